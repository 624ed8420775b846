// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* Counts getppid() calls through a classic syscall tracepoint: the tests attach it both by explicit
 * category/name (which needs tracefs) and through libbpf's section-driven generic attach. It also carries
 * plain maps for the map API tests. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile __u32 only_tgid = 0;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} calls SEC(".maps");

/* Not used by the program: a plain hash map for the map API tests. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 100);
    __type(key, __u32);
    __type(value, __u64);
} table SEC(".maps");

/* Not used by the program: an array of words for the bitmap tests. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} words SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
    if ((bpf_get_current_pid_tgid() >> 32) != only_tgid)
        return 0;
    __u32 key = 0;
    __u64 *value = bpf_map_lookup_elem(&calls, &key);
    if (value)
        __sync_fetch_and_add(value, 1);
    return 0;
}
