package lifecycle

// serveStatus serves the status page when an address is configured.
func (r *runner) serveStatus() error { return nil }
