package auth

import "time"

// SetRefusalLinger sets how long a refused session lingers before it is
// closed (refusalLinger), so that tests need not wait a second.
func SetRefusalLinger(p *Server, d time.Duration) { p.linger = d }
