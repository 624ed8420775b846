/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* Records shared by net_flows.bpf.c and its C# mirror (src/Components/Beyla/Network/FlowNative.cs).
 * Any change here must be made there too; the C# side checks the sizes against the map at load. */
#ifndef RIVER_NET_FLOWS_H
#define RIVER_NET_FLOWS_H

#define FLOW_DIR_INGRESS 0
#define FLOW_DIR_EGRESS  1

#define FLOW_DIR_FILTER_BOTH    0
#define FLOW_DIR_FILTER_INGRESS 1
#define FLOW_DIR_FILTER_EGRESS  2

/* Indexes of the per-CPU flow_counters array. */
#define FLOW_STAT_SEEN     0 /* packets the program ran on */
#define FLOW_STAT_COUNTED  1 /* packets added to a flow (after sampling) */
#define FLOW_STAT_NOT_IP   2 /* frames that were neither IPv4 nor IPv6 */
#define FLOW_STAT_MAP_FULL 3 /* packets lost because no flow entry could be created */
#define FLOW_STAT_COUNT    4

/* 44 bytes, no implicit padding. Addresses are IPv6 or IPv4-mapped IPv6, in network order. */
struct river_flow_key {
    __u8 src_ip[16];
    __u8 dst_ip[16];
    __u32 if_index;
    __u16 eth_protocol;
    __u16 src_port;
    __u16 dst_port;
    __u8 transport;
    __u8 direction;
};

/* 32 bytes: a multiple of 8, as per-CPU map values are laid out in 8-byte slots. */
struct river_flow_stats {
    __u64 bytes;
    __u64 packets;
    __u64 start_ns;
    __u64 end_ns;
};

#endif
