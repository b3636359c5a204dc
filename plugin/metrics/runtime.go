package metrics

import rtmetrics "runtime/metrics"

// runtimeMetric maps one runtime/metrics sample to a Prometheus family.
type runtimeMetric struct {
	name, typ, unit, help string
	from                  string // the runtime/metrics name
}

// runtimeMetrics lists the runtime metrics of Config.Runtime. Counters'
// names are given without _total.
func runtimeMetrics() []runtimeMetric {
	return []runtimeMetric{
		{"go_goroutines", "gauge", "", "Goroutines that exist.", "/sched/goroutines:goroutines"},
		{"go_threads", "gauge", "", "Threads the Go runtime has made.", "/sched/threads/total:threads"},
		{"go_gomaxprocs", "gauge", "", "The GOMAXPROCS setting.", "/sched/gomaxprocs:threads"},
		{"go_heap_objects_bytes", "gauge", "bytes", "Heap memory taken by objects, live or not yet swept.", "/memory/classes/heap/objects:bytes"},
		{"go_heap_live_bytes", "gauge", "bytes", "Heap memory that the last GC found live.", "/gc/heap/live:bytes"},
		{"go_heap_goal_bytes", "gauge", "bytes", "Heap size at which the next GC cycle ends.", "/gc/heap/goal:bytes"},
		{"go_memory_mapped_bytes", "gauge", "bytes", "Memory the Go runtime mapped read-write.", "/memory/classes/total:bytes"},
		{"go_heap_allocated_bytes", "counter", "bytes", "Bytes allocated on the heap.", "/gc/heap/allocs:bytes"},
		{"go_heap_allocated_objects", "counter", "", "Objects allocated on the heap.", "/gc/heap/allocs:objects"},
		{"go_gc_cycles", "counter", "", "Completed GC cycles.", "/gc/cycles/total:gc-cycles"},
		{"go_gc_cpu_seconds", "counter", "seconds", "Estimated CPU time spent in the GC.", "/cpu/classes/gc/total:cpu-seconds"},
	}
}

// appendRuntime reads the runtime metrics and writes them; one the running
// Go does not know is left out.
func appendRuntime(w *expo) {
	rms := runtimeMetrics()
	samples := make([]rtmetrics.Sample, len(rms))
	for i := range rms {
		samples[i].Name = rms[i].from
	}
	rtmetrics.Read(samples)
	for i, s := range samples {
		rm := rms[i]
		suffix := ""
		if rm.typ == "counter" {
			suffix = "_total"
		}
		switch s.Value.Kind() {
		case rtmetrics.KindUint64:
			w.family(rm.name, rm.typ, rm.unit, rm.help)
			w.series(suffix)
			w.uint(s.Value.Uint64())
		case rtmetrics.KindFloat64:
			w.family(rm.name, rm.typ, rm.unit, rm.help)
			w.series(suffix)
			w.float(s.Value.Float64())
		}
	}
}
