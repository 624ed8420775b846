// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* Network flow accounting for beyla.ebpf's `network` feature.
 *
 * Two entry points share one parser and one map:
 *   - river_flow_sock: a socket filter on an AF_PACKET/SOCK_RAW/ETH_P_ALL socket bound to one interface. The
 *     socket is never read, so the program returns 0 ("keep no bytes") and the kernel queues nothing on it.
 *   - river_flow_tc_ingress / river_flow_tc_egress: clsact direct-action programs returning TC_ACT_UNSPEC, so
 *     they never change the packet's fate.
 * Both see the frame from its Ethernet header (on loopback too, whose header is zeroed), so one parser fits.
 *
 * Every counted packet adds skb->len bytes (the whole frame, L2 header included) and one packet to the flow's
 * per-CPU slot in the LRU hash `flows`. User space walks the map every cache_active_timeout, reads and deletes
 * each key atomically, sums the CPUs and merges flows seen on several interfaces. Per-CPU slots mean no atomic
 * operations on the packet path; since Linux 5.10 a re-used per-CPU element has the other CPUs' slots zeroed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "net_flows.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define ETH_HLEN        14
#define ETH_P_IP        0x0800
#define ETH_P_IPV6      0x86DD
#define ETH_P_8021Q     0x8100
#define ETH_P_8021AD    0x88A8
#define PACKET_OUTGOING 4
#define TC_ACT_UNSPEC   (-1)
#define IPPROTO_TCP_    6
#define IPPROTO_UDP_    17
#define IPPROTO_SCTP_   132
#define IPPROTO_UDPLITE_ 136

/* Written by user space before load (const volatile lands in .rodata and is frozen afterwards). */
const volatile __u32 sampling = 0;          /* count 1 in N packets; 0 or 1 counts every packet */
const volatile __u8 direction_filter = 0;   /* FLOW_DIR_FILTER_* */

struct {
    __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
    __uint(max_entries, 5000);
    __type(key, struct river_flow_key);
    __type(value, struct river_flow_stats);
} flows SEC(".maps");

/* Per-CPU counters of the program itself, indexed by FLOW_STAT_*. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, FLOW_STAT_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} flow_counters SEC(".maps");

static __always_inline void bump(__u32 index)
{
    __u64 *value = bpf_map_lookup_elem(&flow_counters, &index);
    if (value)
        *value += 1;
}

/* Writes an IPv4 address as an IPv4-mapped IPv6 address (::ffff:a.b.c.d), so one key layout fits both. */
static __always_inline void map_v4(__u8 *out, __u32 addr)
{
    __builtin_memset(out, 0, 10);
    out[10] = 0xff;
    out[11] = 0xff;
    __builtin_memcpy(out + 12, &addr, 4);
}

/* Parses L2/L3/L4 with bpf_skb_load_bytes (socket filters have no direct packet access; one code path keeps
 * the two sources identical). Returns 0 when the frame is not IPv4/IPv6. */
static __always_inline int parse(struct __sk_buff *skb, struct river_flow_key *key)
{
    __u16 proto;
    __u32 offset = ETH_HLEN;
    if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)) < 0)
        return 0;
    /* At most two VLAN tags (802.1ad outer, 802.1Q inner). */
#pragma unroll
    for (int i = 0; i < 2; i++) {
        if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
            break;
        if (bpf_skb_load_bytes(skb, offset + 2, &proto, sizeof(proto)) < 0)
            return 0;
        offset += 4;
    }

    __u8 transport;
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr ip;
        if (bpf_skb_load_bytes(skb, offset, &ip, sizeof(ip)) < 0)
            return 0;
        map_v4(key->src_ip, ip.saddr);
        map_v4(key->dst_ip, ip.daddr);
        transport = ip.protocol;
        /* Fragments after the first carry no L4 header: count them under port 0. */
        if (ip.frag_off & bpf_htons(0x1fff))
            goto done;
        offset += (__u32)ip.ihl * 4;
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr ip6;
        if (bpf_skb_load_bytes(skb, offset, &ip6, sizeof(ip6)) < 0)
            return 0;
        __builtin_memcpy(key->src_ip, &ip6.saddr, 16);
        __builtin_memcpy(key->dst_ip, &ip6.daddr, 16);
        /* Extension headers are not walked: a packet with one is counted under that header's number. */
        transport = ip6.nexthdr;
        offset += sizeof(ip6);
    } else {
        return 0;
    }

    if (transport == IPPROTO_TCP_ || transport == IPPROTO_UDP_ || transport == IPPROTO_SCTP_
        || transport == IPPROTO_UDPLITE_) {
        /* Source and destination ports are the first four bytes of all four headers. */
        __u16 ports[2];
        if (bpf_skb_load_bytes(skb, offset, ports, sizeof(ports)) == 0) {
            key->src_port = bpf_ntohs(ports[0]);
            key->dst_port = bpf_ntohs(ports[1]);
        }
    }
done:
    key->eth_protocol = bpf_ntohs(proto);
    key->transport = transport;
    return 1;
}

static __always_inline void account(struct __sk_buff *skb, __u8 direction)
{
    bump(FLOW_STAT_SEEN);
    if (sampling > 1 && bpf_get_prandom_u32() % sampling != 0)
        return;

    struct river_flow_key key;
    __builtin_memset(&key, 0, sizeof(key));
    if (!parse(skb, &key)) {
        bump(FLOW_STAT_NOT_IP);
        return;
    }
    key.if_index = skb->ifindex;
    key.direction = direction;

    __u64 now = bpf_ktime_get_ns();
    struct river_flow_stats *stats = bpf_map_lookup_elem(&flows, &key);
    if (stats) {
        stats->bytes += skb->len;
        stats->packets += 1;
        stats->end_ns = now;
        bump(FLOW_STAT_COUNTED);
        return;
    }

    struct river_flow_stats fresh = {
        .bytes = skb->len,
        .packets = 1,
        .start_ns = now,
        .end_ns = now,
    };
    /* BPF_NOEXIST: if another packet of this flow created the entry on this CPU meanwhile (preempted path),
     * fall back to adding to it rather than overwriting. */
    if (bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST) == 0) {
        bump(FLOW_STAT_COUNTED);
        return;
    }
    stats = bpf_map_lookup_elem(&flows, &key);
    if (stats) {
        stats->bytes += skb->len;
        stats->packets += 1;
        stats->end_ns = now;
        bump(FLOW_STAT_COUNTED);
    } else {
        bump(FLOW_STAT_MAP_FULL);
    }
}

SEC("socket")
int river_flow_sock(struct __sk_buff *skb)
{
    __u8 direction = skb->pkt_type == PACKET_OUTGOING ? FLOW_DIR_EGRESS : FLOW_DIR_INGRESS;
    if ((direction_filter == FLOW_DIR_FILTER_INGRESS && direction != FLOW_DIR_INGRESS)
        || (direction_filter == FLOW_DIR_FILTER_EGRESS && direction != FLOW_DIR_EGRESS))
        return 0;
    account(skb, direction);
    /* 0 = keep nothing: the raw socket is never read, so nothing may queue on it. */
    return 0;
}

SEC("tc")
int river_flow_tc_ingress(struct __sk_buff *skb)
{
    account(skb, FLOW_DIR_INGRESS);
    return TC_ACT_UNSPEC;
}

SEC("tc")
int river_flow_tc_egress(struct __sk_buff *skb)
{
    account(skb, FLOW_DIR_EGRESS);
    return TC_ACT_UNSPEC;
}
