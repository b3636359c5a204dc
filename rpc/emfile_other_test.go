//go:build !unix

package rpc_test

// emfileChildEnv is never set where TestAcceptBackoffOnEMFILE does not
// run (it needs setrlimit).
const emfileChildEnv = "DMICRO_RPC_EMFILE_CHILD"

func emfileChild() {}
