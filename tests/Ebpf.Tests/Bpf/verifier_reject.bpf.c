// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* A program the verifier must refuse: it dereferences a hash-map lookup without the NULL check (an array
 * lookup with a constant in-range key is provably non-NULL on new kernels, so a hash map is used). The tests
 * load it to prove that the verifier's log reaches the exception. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

SEC("raw_tracepoint/sys_enter")
int missing_null_check(struct bpf_raw_tracepoint_args *ctx)
{
    __u32 key = 0;
    __u64 *value = bpf_map_lookup_elem(&counters, &key);
    return *value != 0;
}
