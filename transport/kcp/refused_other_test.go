//go:build !unix

package kcp_test

func isRefused(error) bool { return false }
