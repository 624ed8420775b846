// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* The cost floor of the capture design, for bench/scripts/ebpf-river-overhead.sh: raw tracepoints on sys_enter
 * and sys_exit that test the same PID bitmap as bpf/http_capture.bpf.c and then do nothing, even for the traced
 * processes. Whatever the real capture costs above this is the price of its work; this much is the price of
 * being attached to every syscall at all. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, __u64);
} pid_filter SEC(".maps");

static __always_inline int traced(void)
{
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    __u32 word = tgid / 64;
    __u64 *bits = bpf_map_lookup_elem(&pid_filter, &word);
    return bits && (*bits & (1ULL << (tgid % 64)));
}

SEC("raw_tracepoint/sys_enter")
int floor_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
    return traced(); /* the return value of a raw tracepoint program is ignored; returning it keeps the test */
}

SEC("raw_tracepoint/sys_exit")
int floor_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
    return traced(); /* the return value of a raw tracepoint program is ignored; returning it keeps the test */
}
