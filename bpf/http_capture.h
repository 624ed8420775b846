/* Shared definitions of the HTTP/1.x capture program.
 *
 * The layouts below are a wire format: user space (River.Components, Beyla/Ebpf/Native/HttpEventNative.cs)
 * mirrors them byte for byte. Change both sides together and keep every field naturally aligned so no
 * compiler inserts hidden padding.
 */
#ifndef RIVER_HTTP_CAPTURE_H
#define RIVER_HTTP_CAPTURE_H

/* Bytes of the request kept for user space: the request line and the first headers. */
#define HTTP_BUF_SIZE 256

/* Kinds of records in the ring buffer (first byte of every record). A request is sent when it is read (server)
 * or written (client), its response as a small record of its own; user space pairs them by (conn_id, seq). */
#define RECORD_REQUEST  1   /* struct http_event, end_ns/status/resp_len 0 */
#define RECORD_RESPONSE 2   /* struct http_response */
#define RECORD_APPEND   3   /* struct http_append (request bytes of a later syscall) */

/* Direction of a traced connection, seen from the traced process. */
#define DIR_SERVER 1
#define DIR_CLIENT 2

/* Event flags. */
#define FLAG_SPLIT_REQUEST 0x01   /* request bytes were gathered from more than one syscall */
#define FLAG_PIPELINED     0x02   /* request arrived behind another one in the same read */

/* Indices of the per-CPU counters in the `stats` array. */
#define STAT_EVENTS        0  /* records submitted to the ring buffer (requests, responses, appends) */
#define STAT_RINGBUF_FULL  1  /* requests lost because the ring buffer had no room (once per request) */
#define STAT_APPEND_LOST   2  /* continuation records lost (their request is reported with fewer bytes) */
#define STAT_ORPHAN_RESP   3  /* responses seen on a connection with no request waiting */
#define STAT_WALK_FAILED   4  /* fd → socket walks that could not read kernel memory */
#define STAT_PIPE_OVERFLOW 5  /* pipelined requests beyond MAX_PIPELINE in one read */
#define STAT_COUNT         8

/* Captured bytes of a small request record: a request of at most this many bytes is sent as the first
 * HTTP_SMALL_EVENT_SIZE bytes of struct http_event (its fields and buf[0..64)); user space tells the two sizes
 * apart by the record's length. */
#define HTTP_SMALL_BUF 64
#define HTTP_SMALL_EVENT_SIZE (sizeof(struct http_event) - HTTP_BUF_SIZE + HTTP_SMALL_BUF)

/* One request (RECORD_REQUEST), 352 bytes, or 160 (HTTP_SMALL_EVENT_SIZE). User space completes it with the
 * response's fields. */
struct http_event {
    __u8  kind;            /* RECORD_REQUEST */
    __u8  direction;       /* DIR_SERVER or DIR_CLIENT */
    __u8  flags;           /* FLAG_* */
    __u8  family;          /* AF_INET (2) or AF_INET6 (10) of the socket */
    __u32 tgid;            /* process id (host pid namespace) */
    __u32 tid;             /* thread that read (server) or wrote (client) the request */
    __s32 fd;              /* file descriptor of the connection in the process */
    __u64 conn_id;         /* unique id of the connection while River traces it */
    __u64 start_ns;        /* CLOCK_MONOTONIC: server read of the request / client write of it */
    __u64 end_ns;          /* CLOCK_MONOTONIC: first response byte written (server) / read (client); 0 in flight */
    __u32 req_len;         /* request bytes seen (headers and body) */
    __u32 resp_len;        /* bytes of the syscall that carried the status line */
    __u16 status;          /* HTTP status, 0 when unknown or still in flight */
    __u16 buf_len;         /* valid bytes in buf */
    __u16 local_port;      /* host byte order */
    __u16 remote_port;     /* host byte order */
    __u8  local_addr[16];  /* IPv6, or IPv4 mapped as ::ffff:a.b.c.d */
    __u8  remote_addr[16];
    __u32 seq;             /* request number on the connection (pipelining order) */
    __u32 reserved;
    __u8  buf[HTTP_BUF_SIZE];
};

/* The response to request `seq` of connection `conn_id` (RECORD_RESPONSE), 32 bytes. Responses of a connection
 * come in request order, so a response also tells user space that every earlier request of the connection was
 * answered (one whose record was lost is then dropped, not expired as a 408). */
struct http_response {
    __u8  kind;            /* RECORD_RESPONSE */
    __u8  pad;
    __u16 status;          /* HTTP status, 0 when the status line was malformed */
    __u32 seq;
    __u64 conn_id;
    __u64 end_ns;          /* CLOCK_MONOTONIC: first response byte written (server) / read (client) */
    __u32 resp_len;        /* bytes of the syscall that carried the status line */
    __u32 pad2;
};

/* More bytes of request `seq` (RECORD_APPEND): a request split across syscalls, or its body. `len` is added to
 * req_len; when the request's buffer was not full, `data_len` bytes for buf[data_off...] follow the header. */
struct http_append {
    __u8  kind;            /* RECORD_APPEND */
    __u8  pad;
    __u16 data_off;
    __u16 data_len;
    __u16 pad2;
    __u32 seq;
    __u32 len;
    __u64 conn_id;
};

struct http_append_data {
    struct http_append head;
    __u8 data[HTTP_BUF_SIZE];
};

#endif
