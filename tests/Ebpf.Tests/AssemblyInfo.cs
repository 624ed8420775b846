// The tests share the kernel's global tracepoints and count this process's BPF file descriptors: run them
// one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
