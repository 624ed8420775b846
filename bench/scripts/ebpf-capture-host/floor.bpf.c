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

/* Hook variants of the floor, for bench/scripts/ebpf-hook-floors.sh: the same PID test on other hooks. */

/* One BTF-typed raw tracepoint at sys_exit (the hook of bpf/http_capture.bpf.c). */
SEC("tp_btf/sys_exit")
int floor_btf_exit(__u64 *ctx)
{
    return traced();
}

/* Per-syscall exit tracepoints, only for the syscalls the capture handles: other syscalls stop at the kernel's
 * bitmap test of enabled syscalls and run no program. A traced process's arguments come from its saved user
 * registers (bpf_task_pt_regs): loaded here so the variant pays that too. */
struct syscall_exit_ctx {
    __u64 common;
    __s64 nr;
    __s64 ret;
};

static __always_inline int traced_with_args(void)
{
    if (!traced())
        return 0;
    struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
    return regs ? (int)(regs->di + regs->si + regs->dx) : 0;
}

#define FLOOR_TP(name) \
    SEC("tracepoint/syscalls/sys_exit_" #name) \
    int floor_tp_##name(struct syscall_exit_ctx *ctx) { return traced_with_args(); }

FLOOR_TP(read)
FLOOR_TP(write)
FLOOR_TP(readv)
FLOOR_TP(writev)
FLOOR_TP(sendto)
FLOOR_TP(recvfrom)
FLOOR_TP(sendmsg)
FLOOR_TP(recvmsg)
FLOOR_TP(close)
