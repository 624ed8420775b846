// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* HTTP/1.x request/response capture on the raw syscall tracepoint sys_exit (BTF-typed: tp_btf).
 *
 * Why a raw tracepoint: kprobes and fentry are unavailable on the target kernels, and raw tracepoints
 * dispatching on the syscall number cost less than one syscall tracepoint per syscall (measured, see
 * docs/ebpf.md). Why no accept/connect hooks: every socket is recognised lazily, at its first read or write,
 * by walking task → files → fdt → fd[fd] → file → inode/socket → sock with CO-RE reads. The same walk serves
 * connections that were open before the program was loaded and those accepted or connected afterwards.
 *
 * Flow, all at sys_exit of a traced process:
 *   read/readv/recvfrom/recvmsg/write/writev/sendto/sendmsg: classify the first bytes (request line, status
 *   line, or continuation). A request is copied straight into a ring-buffer record and numbered on its
 *   connection (several records for a pipelined batch); a response sends a 32-byte record naming the oldest
 *   unanswered request (several when one call carries several answers); a continuation sends the request's
 *   further bytes. User space pairs requests and responses by (connection id, number) and expires requests
 *   never answered, so no request waits in a kernel map. MSG_PEEK reads are skipped;
 *   close: forget the connection.
 * Every other process stops after one bitmap test; other syscalls of traced processes after one load of the
 * syscall number.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "http_capture.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define NR_read     0
#define NR_write    1
#define NR_close    3
#define NR_readv    19
#define NR_writev   20
#define NR_sendto   44
#define NR_recvfrom 45
#define NR_sendmsg  46
#define NR_recvmsg  47

#define AF_INET   2
#define AF_INET6  10
#define S_IFMT    00170000
#define S_IFSOCK  0140000
#define SOCK_STREAM 1
#define MSG_PEEK  2

/* Bytes of a read scanned for pipelined requests; a power of two (used as a mask). */
#define SCAN_SIZE 1024
/* Most requests recognised behind the first one in a single read. */
#define MAX_PIPELINE 8
/* Empty iovec segments skipped before the one that is classified. */
#define MAX_EMPTY_IOV 3
/* Shortest buffer that can hold "HTTP/1.1 200" or "GET / HTTP/1". */
#define MIN_HTTP_SIZE 12

/* Keeps clang from folding a bound the verifier needs to see. */
#define opaque(x) asm volatile("" : "+r"(x))

/* Set by user space before load: when non-zero, wake the reader only once this many bytes wait. */
const volatile __u64 wakeup_data_bytes = 0;

enum conn_kind { CONN_TCP = 1, CONN_OTHER = 2 };

struct conn_key {
    __u32 tgid;
    __s32 fd;
};

struct conn_state {
    __u64 id;
    __u32 head;           /* seq of the oldest unanswered request */
    __u32 tail;           /* seq the next request gets */
    __u8  kind;           /* enum conn_kind */
    __u8  role;           /* 0 unknown, DIR_SERVER, DIR_CLIENT: fixed by the first request seen */
    __u8  family;
    __u8  carry_len;      /* valid bytes in carry */
    __u16 local_port;
    __u16 remote_port;
    __u16 last_buf_len;   /* request bytes captured so far of the newest request (seq tail - 1) */
    __u16 cut_len;        /* bytes at the end of the last request call left out of its newest request (see cut_start) */
    __u16 pad2[2];
    __u64 lost;           /* bit seq % 64: the record of request seq was lost, so its response is not sent */
    __u8  local_addr[16];
    __u8  remote_addr[16];
    /* The last CARRY_SIZE bytes of the previous call that carried requests, when it did not end with a blank line:
     * a later call starting inside a request is scanned as if they came first (see continue_requests). */
    __u8  carry[16];
};

/* Bytes of a request call kept for the next one. 14 = the 4 bytes of "\r\n\r\n" and the 10 bytes behind it that
 * are too few to be recognised as a request line in that call (find_blank_line wants 11): a request line cut
 * there is then found whole in the next call, and one already recognised cannot be found a second time. */
#define CARRY_SIZE 14

/* The first bytes of the current call, read from user memory once and then classified, scanned and copied
 * into records from here. The slack behind SCAN_SIZE lets a fixed 256-byte copy start at any offset below it. */
struct scratch {
    __u32 n;              /* valid bytes in data */
    __u32 pad;
    __u8 data[SCAN_SIZE + HTTP_BUF_SIZE];
};

/* Userspace-side layouts of the iovec and msghdr ABI (stable, so no CO-RE needed). */
struct user_iovec {
    __u64 base;
    __u64 len;
};

struct user_msghdr_abi {
    __u64 name;
    __u32 namelen;
    __u32 pad;
    __u64 iov;
    __u64 iovlen;
};

/* Processes to trace, written by user space: a bitmap over tgids, bit (tgid % 64) of word (tgid / 64).
 * An array rather than a hash because the verifier inlines array lookups: every syscall of every process
 * on the machine pays this check, so it must be a few instructions, not a hash computation.
 * User space sizes it to pid_max / 64 words before load. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, __u64);
} pid_filter SEC(".maps");

/* Known fds of traced processes: TCP connections and (negative cache) everything else. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, struct conn_key);
    __type(value, struct conn_state);
} conns SEC(".maps");

/* fds (< FD_SEEN_MAX) that ever had an entry in `conns`, one byte per fd, whatever the process. Most closes of a
 * traced process are of files that never did (nginx closes the file it served on every request): this inlined
 * array test spares them the hash lookup. Bytes are only ever set, so no update can be lost between CPUs; an fd
 * number reused by a file after a socket merely costs the lookup again. */
#define FD_SEEN_MAX 65536
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, FD_SEEN_MAX / 8);
    __type(key, __u32);
    __type(value, __u64);
} fd_seen SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, STAT_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch_mem SEC(".maps");

/* This CPU's scratch bytes (a per-CPU array of one element: the verifier inlines the look-up). */
static __always_inline struct scratch *scratch(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&scratch_mem, &zero);
}

static __always_inline void count(__u32 idx)
{
    __u64 *v = bpf_map_lookup_elem(&stats, &idx);
    if (v)
        *v += 1; /* per-CPU slot: no atomic needed */
}

/* The first eight bytes as one little-endian word: comparing words keeps clang from merging byte pointers,
 * which the verifier rejects. */
static __always_inline __u64 word8(const __u8 *b)
{
    __u64 w;
    __builtin_memcpy(&w, b, sizeof(w));
    return w;
}

/* A string literal of n ≤ 8 bytes as the little-endian word it reads as; folded at compile time. */
static __always_inline __u64 lit(const char *s, int n)
{
    __u64 v = 0;
    for (int i = 0; i < n; i++)
        v |= (__u64)(__u8)s[i] << (8 * i);
    return v;
}

#define PREFIX(w, s) (((w) & (sizeof(s) - 1 == 8 ? ~0ULL : ((1ULL << (8 * (sizeof(s) - 1))) - 1))) == lit(s, sizeof(s) - 1))

/* A request line starts with a method, one space and "/" (OPTIONS also allows "*"). */
static __always_inline int is_request(const __u8 *b)
{
    __u64 w = word8(b);
    return PREFIX(w, "GET /") || PREFIX(w, "POST /") || PREFIX(w, "PUT /") || PREFIX(w, "PATCH /") ||
           PREFIX(w, "DELETE /") || PREFIX(w, "HEAD /") || PREFIX(w, "OPTIONS ");
}

static __always_inline int is_response(const __u8 *b)
{
    return PREFIX(word8(b), "HTTP/1.");
}

/* Three ASCII digits at offset 9 of "HTTP/1.x NNN"; 0 when malformed or above 599. */
static __always_inline __u16 parse_status(const __u8 *b)
{
    if (b[9] < '0' || b[9] > '9' || b[10] < '0' || b[10] > '9' || b[11] < '0' || b[11] > '9')
        return 0;
    __u16 s = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
    return s > 599 ? 0 : s;
}

/* Fills a conn_state from the kernel's view of fd in the current task. */
static __always_inline void walk_fd(__s32 fd, struct conn_state *st)
{
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
    st->kind = CONN_OTHER;
    if (!fdt) {
        count(STAT_WALK_FAILED);
        return;
    }
    unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
    if (fd < 0 || (unsigned int)fd >= max_fds)
        return;
    struct file **fds = BPF_CORE_READ(fdt, fd);
    struct file *file = NULL;
    if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) != 0 || !file) {
        count(STAT_WALK_FAILED);
        return;
    }
    umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
    if ((mode & S_IFMT) != S_IFSOCK)
        return;
    struct socket *sock = BPF_CORE_READ(file, private_data);
    if (!sock || BPF_CORE_READ(sock, type) != SOCK_STREAM)
        return;
    struct sock *sk = BPF_CORE_READ(sock, sk);
    if (!sk)
        return;
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    if (family == AF_INET) {
        __u32 la = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
        __u32 ra = BPF_CORE_READ(sk, __sk_common.skc_daddr);
        /* IPv4 mapped into IPv6 (::ffff:a.b.c.d), so user space sees one address shape. */
        st->local_addr[10] = 0xff;
        st->local_addr[11] = 0xff;
        st->remote_addr[10] = 0xff;
        st->remote_addr[11] = 0xff;
        __builtin_memcpy(&st->local_addr[12], &la, 4);
        __builtin_memcpy(&st->remote_addr[12], &ra, 4);
    } else if (family == AF_INET6) {
        BPF_CORE_READ_INTO(&st->local_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
        BPF_CORE_READ_INTO(&st->remote_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    } else {
        return;
    }
    st->family = family;
    st->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
    st->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    st->kind = CONN_TCP;
}

static __always_inline struct conn_state *get_conn(__u32 tgid, __s32 fd)
{
    struct conn_key key = { .tgid = tgid, .fd = fd };
    struct conn_state *c = bpf_map_lookup_elem(&conns, &key);
    if (c)
        return c;
    struct conn_state st = {};
    walk_fd(fd, &st);
    /* Unique enough: a timestamp with the CPU number in the low bits. */
    st.id = (bpf_ktime_get_ns() << 8) | (bpf_get_smp_processor_id() & 0xff);
    if (fd >= 0 && fd < FD_SEEN_MAX) {
        __u32 word = (__u32)fd / 8;
        __u8 *seen = bpf_map_lookup_elem(&fd_seen, &word);
        if (seen)
            seen[fd & 7] = 1;
    }
    bpf_map_update_elem(&conns, &key, &st, BPF_NOEXIST);
    return bpf_map_lookup_elem(&conns, &key);
}

/* Submits a record of `size` bytes; `waiting` is the ring's unconsumed bytes once it is reserved (its own
 * 8-byte header and bytes included). With wakeup_data_bytes set, the reader is woken only by the record whose
 * bytes cross a multiple of it: once per wakeup_data_bytes, however long the reader takes to run. Beyla's rule,
 * waking on every record while that much waits, raised an interrupt (irq_work, a self-IPI: a VM exit under a
 * hypervisor) for every record submitted between the threshold and the reader's next read: 16 % of this
 * program's time on nginx (docs/ebpf.md). Two CPUs submitting at the same moment can both miss a crossing; the
 * next multiple, or the reader's poll timeout, then delivers those records. */
static __always_inline void submit_after(void *record, __u64 size, __u64 waiting)
{
    __u64 flags = 0;
    if (wakeup_data_bytes) {
        __u64 before = waiting > size + 8 ? waiting - size - 8 : 0;
        flags = waiting / wakeup_data_bytes != before / wakeup_data_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
    }
    bpf_ringbuf_submit(record, flags);
    count(STAT_EVENTS);
}

static __always_inline void submit(void *record, __u64 size)
{
    submit_after(record, size, wakeup_data_bytes ? bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) : 0);
}

/* Copies 256 bytes as 32 words: a fixed size so the verifier sees the bounds, words so it is 32 loads and not 256.
 * The source may be unaligned; x86-64 (the only target, see the syscall numbers) loads it all the same. */
static __always_inline void copy_buf(__u8 *dst, const __u8 *src)
{
#pragma unroll
    for (int i = 0; i < HTTP_BUF_SIZE / 8; i++)
        ((__u64 *)dst)[i] = *(const __u64 *)(src + i * 8);
}

/* Sends one request, which starts at user address p and at offset `off` of the scratch bytes, and gives it the
 * connection's next number. Its first bytes are copied from the scratch bytes already read (from user memory
 * again only when they extend past them). A record the ring buffer has no room for is counted as lost; the
 * number is used up all the same, so the responses that follow still pair with the right requests. */
/* BPF subprograms take at most five arguments, so fd, direction, flags and offset travel packed in `meta`. */
#define META(fd, dir, flags) ((__u64)(__u32)(fd) | ((__u64)(dir) << 32) | ((__u64)(flags) << 40))
#define META_OFF(off) ((__u64)(off) << 48)

static __noinline int new_request(struct conn_state *conn, __u64 p, __u64 len, __u64 start_ns, __u64 meta)
{
    __u32 seq = conn->tail++;
    conn->last_buf_len = HTTP_BUF_SIZE; /* nothing to append to if the record is lost */
    struct scratch *s = scratch();
    __u32 off = (meta >> 48) & (SCAN_SIZE - 1);
    /* A request of at most HTTP_SMALL_BUF bytes, all of them in the scratch bytes, goes as a small record: half
     * the ring memory written and read, a quarter of the words copied (wrk's requests to nginx are 40 bytes). */
    int small = s && len <= HTTP_SMALL_BUF && off + len <= s->n;
    __u64 record = small ? HTTP_SMALL_EVENT_SIZE : sizeof(struct http_event);
    /* The last eighth of the ring is kept for the responses (and continuations) of requests already sent: a
     * request whose response record could not be sent would wait in user space and expire as a false 408. */
    __u64 used = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
    /* The ring's size is a field of the map (a plain load, no helper call): user space sizes it before load. */
    __u64 size = ((struct bpf_map *)&events)->max_entries;
    struct http_event *e = NULL;
    if (used + record + 8 <= size - size / 8)
        /* The reservation's size must be a constant: one call per size. */
        e = small ? bpf_ringbuf_reserve(&events, HTTP_SMALL_EVENT_SIZE, 0)
                  : bpf_ringbuf_reserve(&events, sizeof(struct http_event), 0);
    if (!e) {
        /* Lost once: counted here, and its response is not sent. */
        conn->lost |= 1ULL << (seq & 63);
        count(STAT_RINGBUF_FULL);
        return 0;
    }
    conn->lost &= ~(1ULL << (seq & 63));
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    e->kind = RECORD_REQUEST;
    e->direction = (meta >> 32) & 0xff;
    e->flags = (meta >> 40) & 0xff;
    e->family = conn->family;
    e->tgid = pid_tgid >> 32;
    e->tid = (__u32)pid_tgid;
    e->fd = (__s32)meta;
    e->conn_id = conn->id;
    e->start_ns = start_ns;
    e->end_ns = 0;
    e->req_len = len;
    e->resp_len = 0;
    e->status = 0;
    e->local_port = conn->local_port;
    e->remote_port = conn->remote_port;
    __builtin_memcpy(e->local_addr, conn->local_addr, 16);
    __builtin_memcpy(e->remote_addr, conn->remote_addr, 16);
    e->seq = seq;
    e->reserved = 0;
    __u64 n = len;
    if (n > HTTP_BUF_SIZE)
        n = HTTP_BUF_SIZE;
    if (small) {
        if (s) {
#pragma unroll
            for (int i = 0; i < HTTP_SMALL_BUF / 8; i++)
                ((__u64 *)e->buf)[i] = *(const __u64 *)&s->data[off + i * 8];
        }
    } else if (s && off + n <= s->n) {
        copy_buf(e->buf, &s->data[off]);
    } else {
        opaque(n);
        if (n > HTTP_BUF_SIZE)
            n = HTTP_BUF_SIZE;
        if (bpf_probe_read_user(e->buf, n, (const void *)p) != 0)
            n = 0;
    }
    e->buf_len = n;
    conn->last_buf_len = n;
    submit_after(e, record, used + record + 8);
    return 1;
}

/* Sends a continuation (rest of a split request, or its body) of the newest request of the connection: its
 * length, and its bytes (from the scratch bytes from offset `off`) while the request's 256-byte buffer is not full. */
static __noinline int append_request(struct conn_state *conn, __u64 len, __u32 off)
{
    off &= 15;
    __u64 have = conn->last_buf_len;
    struct http_append *a;
    __u64 size;
    if (have >= HTTP_BUF_SIZE) {
        a = bpf_ringbuf_reserve(&events, sizeof(struct http_append), 0);
        size = sizeof(struct http_append);
        if (!a) {
            count(STAT_APPEND_LOST);
            return 0;
        }
        a->data_len = 0;
    } else {
        struct scratch *s = scratch();
        if (!s)
            return 0;
        struct http_append_data *d = bpf_ringbuf_reserve(&events, sizeof(struct http_append_data), 0);
        size = sizeof(struct http_append_data);
        if (!d) {
            count(STAT_APPEND_LOST);
            return 0;
        }
        __u64 n = HTTP_BUF_SIZE - have;
        if (n > len)
            n = len;
        __u32 avail = s->n > off ? s->n - off : 0;
        if (n > avail)
            n = avail;
        copy_buf(d->data, &s->data[off]);
        d->head.data_len = n;
        conn->last_buf_len = have + n;
        a = &d->head;
    }
    a->kind = RECORD_APPEND;
    a->pad = 0;
    a->data_off = have;
    a->pad2 = 0;
    a->seq = conn->tail - 1;
    a->len = len;
    a->conn_id = conn->id;
    submit(a, size);
    return 0;
}

/* Answers the oldest request of the connection. */
static __noinline int finish_request(struct conn_state *conn, __u32 status, __u64 resp_len, __u64 end_ns)
{
    if (conn->head == conn->tail) {
        count(STAT_ORPHAN_RESP);
        return 0;
    }
    __u32 seq = conn->head++;
    if (conn->lost & (1ULL << (seq & 63))) {
        conn->lost &= ~(1ULL << (seq & 63));
        return 0;
    }
    struct http_response *r = bpf_ringbuf_reserve(&events, sizeof(struct http_response), 0);
    if (!r) {
        /* Rare (the ring keeps room for responses): user space drops the request when a later response of the
         * connection arrives, else expires it. */
        count(STAT_RINGBUF_FULL);
        return 0;
    }
    r->kind = RECORD_RESPONSE;
    r->pad = 0;
    r->status = status;
    r->seq = seq;
    r->conn_id = conn->id;
    r->end_ns = end_ns;
    r->resp_len = resp_len;
    r->pad2 = 0;
    submit(r, sizeof(struct http_response));
    return 1;
}

/* Offset just after the next empty line ("\r\n\r\n") in scratch data[start, n), or 0 when none leaves room for
 * a request line. Eight bytes at a time: a word without '\n' cannot end an empty line, and most words of a
 * header block have none, so a 40-byte request costs five word tests and a few byte checks rather than forty
 * byte steps. A global function, so the verifier checks it once rather than per call. */
__noinline int find_blank_line(__u32 start, __u32 n)
{
    struct scratch *s = scratch();
    if (!s)
        return 0;
    if (n > SCAN_SIZE)
        n = SCAN_SIZE;
    for (__u32 j = 0; j < SCAN_SIZE / 8; j++) {
        __u32 i = start + j * 8;
        if (i + MIN_HTTP_SIZE > n)
            return 0;
        __u32 idx = i;
        opaque(idx); /* keeps clang from turning data[start + 8j] into an unbounded moving pointer */
        __u64 x = *(const __u64 *)&s->data[idx & (SCAN_SIZE - 1)] ^ 0x0a0a0a0a0a0a0a0aULL;
        /* Non-zero when some byte of x is zero, i.e. some byte of the word is '\n'. */
        if (!((x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL))
            continue;
#pragma unroll
        for (__u32 b = 0; b < 8; b++) {
            __u32 e = i + b; /* candidate position of the blank line's last '\n' */
            if (e + MIN_HTTP_SIZE > n)
                return 0;
            if (e < start + 3)
                continue;
            __u32 at = e - 3;
            opaque(at);
            if (*(const __u32 *)&s->data[at & (SCAN_SIZE - 1)] == 0x0a0d0a0d) /* "\r\n\r\n" little-endian */
                return e + 1;
        }
    }
    return 0;
}

/* Offset of the next request line in scratch data[start, n), or 0. Bodies of pipelined requests are not
 * parsed, so a body that itself begins with a request line after an empty line would be taken for one. */
static __always_inline __u32 find_next_request(struct scratch *s, __u32 start, __u32 n)
{
    for (int tries = 0; tries < 4; tries++) {
        __u32 at = find_blank_line(start, n);
        if (!at)
            return 0;
        if (is_request(&s->data[at & (SCAN_SIZE - 1)]))
            return at & (SCAN_SIZE - 1);
        start = at;
    }
    return 0;
}

/* Could the m (1..10) bytes in w's low bytes start a request line, i.e. are they a prefix of one of is_request's
 * patterns (the whole pattern when m is longer)? */
#define PART(w, m, s) ((((w) ^ lit(s, sizeof(s) - 1)) & (m) & (sizeof(s) - 1 == 8 ? ~0ULL : ((1ULL << (8 * (sizeof(s) - 1))) - 1))) == 0)
static __always_inline int request_prefix(__u64 w, __u32 m)
{
    __u64 mask = m >= 8 ? ~0ULL : (1ULL << (8 * m)) - 1;
    return PART(w, mask, "GET /") || PART(w, mask, "POST /") || PART(w, mask, "PUT /") || PART(w, mask, "PATCH /") ||
           PART(w, mask, "DELETE /") || PART(w, mask, "HEAD /") || PART(w, mask, "OPTIONS ");
}

/* Where a request cut by the end of the call may start: the offset behind a blank line that is followed by 1 to 10
 * bytes (too few for find_next_request) which could begin a request line; 0 when there is none, when the call ends
 * with its blank line (the usual case, one test), or when the call is longer than the scratch bytes. Those bytes are
 * then left out of the newest request: the next call decides whether they start a request (continue_requests). */
static __always_inline __u32 cut_start(struct scratch *s, __u32 n, __u64 len)
{
    if (len > n || n > SCAN_SIZE || n < 5)
        return 0;
    if (*(const __u32 *)&s->data[(n - 4) & (SCAN_SIZE - 1)] == 0x0a0d0a0d)
        return 0;
    for (__u32 m = 1; m <= CARRY_SIZE - 4; m++) {
        if (n < m + 4)
            return 0;
        __u32 at = n - m;
        if (*(const __u32 *)&s->data[(at - 4) & (SCAN_SIZE - 1)] == 0x0a0d0a0d &&
            request_prefix(word8(&s->data[at & (SCAN_SIZE - 1)]), m))
            return at;
    }
    return 0;
}

/* Keeps the last CARRY_SIZE bytes of a call that carried requests (scratch data[0, n), the call's `len` bytes)
 * for the next one, unless the call ended with a blank line (the usual case: nothing is cut) or was longer than
 * the scratch bytes (its end was not read). */
static __always_inline void keep_carry(struct conn_state *conn, struct scratch *s, __u64 len)
{
    __u32 n = s->n;
    conn->carry_len = 0;
    if (n > SCAN_SIZE || len > n)
        return;
    if (n >= 4 && *(const __u32 *)&s->data[(n - 4) & (SCAN_SIZE - 1)] == 0x0a0d0a0d)
        return;
    __u32 c = n < CARRY_SIZE ? n : CARRY_SIZE;
    __u32 from = (n - c) & (SCAN_SIZE - 1);
    __builtin_memcpy(&conn->carry[0], &s->data[from], 8);
    __builtin_memcpy(&conn->carry[8], &s->data[from + 8], 8);
    conn->carry_len = c;
}

/* A server read or a client write that carries requests: track the one at scratch offset META_OFF and any
 * pipelined behind it. p and len are the user address and length of the scratch bytes' offset 0. `meta` is
 * META(fd, direction, flags) | META_OFF(first). */
static __noinline int track_requests(struct conn_state *conn, __u64 p, __u64 len, __u64 now, __u64 meta)
{
    struct scratch *s = scratch();
    if (!s)
        return 0;
    __u32 n = s->n;
    __u32 prev = (meta >> 48) & (SCAN_SIZE - 1);
    __u32 flags = (meta >> 40) & 0xff;
    meta &= ~(0xffffULL << 40);
    conn->cut_len = 0;
    for (__u32 k = 0; k < MAX_PIPELINE; k++) {
        __u32 at = find_next_request(s, prev, n);
        __u64 end = at;
        if (!at) {
            /* The last request ends with the call, or where a request cut by the call's end may start. */
            __u32 cut = cut_start(s, n, len);
            end = cut > prev ? cut : len;
            conn->cut_len = len - end;
        }
        new_request(conn, p + prev, end - prev, now, meta | ((__u64)flags << 40) | META_OFF(prev));
        if (!at) {
            keep_carry(conn, s, len);
            return 0;
        }
        prev = at;
        flags = FLAG_PIPELINED;
    }
    /* Requests beyond MAX_PIPELINE in one read are counted, never silently lost. */
    if (find_next_request(s, prev, n))
        count(STAT_PIPE_OVERFLOW);
    keep_carry(conn, s, len);
    return 0;
}

/* A server read or a client write that does not start with a request: the rest of the newest request (its header
 * block or body), possibly followed by further requests. The bytes carried from the previous call go first, so
 * that a request cut by its end — inside the blank line before it, or in its first bytes — is found here, as are
 * the pipelined requests behind the one that was cut. Bodies are not parsed: a body holding a blank line followed
 * by a request line would be taken for a request (as in track_requests). `meta` is META(fd, direction, 0). */
static __noinline int continue_requests(struct conn_state *conn, __u64 p, __u64 len, __u64 meta)
{
    struct scratch *s = scratch();
    if (!s)
        return 0;
    __u32 k = conn->carry_len;
    if (k > CARRY_SIZE)
        k = CARRY_SIZE;
    if (k) {
        /* The carried bytes, then this call's bytes read again behind them (rare: only after a cut call). */
        __builtin_memcpy(&s->data[0], &conn->carry[0], 8);
        __builtin_memcpy(&s->data[8], &conn->carry[8], 8);
        __u32 n = len < SCAN_SIZE ? len : SCAN_SIZE;
        opaque(n);
        if (n > SCAN_SIZE)
            n = SCAN_SIZE;
        if (bpf_probe_read_user(&s->data[k], n, (const void *)p) != 0)
            return 0;
        s->n = k + n;
    }
    /* The bytes the earlier call left out of the newest request (cut_start) are the last of the carried ones. */
    __u32 left = conn->cut_len;
    if (left > k)
        left = 0;
    conn->cut_len = 0;
    __u32 at = find_next_request(s, 0, s->n);
    if (!at) {
        /* All of it continues the newest request (up to a request this call's end may cut), with the bytes left
         * out before, which did not start a request after all. */
        __u32 cut = cut_start(s, s->n, len + k);
        __u32 end = cut > k ? cut : len + k;
        if (conn->head != conn->tail)
            append_request(conn, end - k + left, k - left);
        conn->cut_len = len + k - end;
        keep_carry(conn, s, len + k);
        return 0;
    }
    /* This call's bytes before `at` end the newest request; a request found in the carried bytes is the one the
     * earlier call's end cut, whose first bytes it left out of the request before. */
    if (at > k)
        append_request(conn, at - k + left, k - left);
    track_requests(conn, p - k, len + k, bpf_ktime_get_ns(), meta | ((__u64)FLAG_PIPELINED << 40) | META_OFF(at));
    return 0;
}

/* Offset of the next "HTTP/1." in scratch data[start, n) with room behind it for a status code, or 0. Bodies
 * are not parsed, so any "HTTP/1." is a candidate; the caller checks the status line's shape. A global function
 * for the same reason as find_blank_line. */
__noinline int find_status_line(__u32 start, __u32 n)
{
    struct scratch *s = scratch();
    if (!s)
        return 0;
    if (n > SCAN_SIZE)
        n = SCAN_SIZE;
    __u64 window = 0;
    for (__u32 j = 0; j < SCAN_SIZE; j++) {
        __u32 i = start + j;
        /* A match ending at i starts at i - 6 and needs 12 bytes: "HTTP/1.x NNN". */
        if (i + 6 > n)
            return 0;
        __u32 idx = i;
        opaque(idx);
        window = ((window << 8) | s->data[idx & (SCAN_SIZE - 1)]) & 0xffffffffffffffULL;
        if (window == 0x485454502f312eULL) /* "HTTP/1." read big-endian */
            return i - 6;
    }
    return 0;
}

/* The next status line of an answer in scratch data[from, n): "HTTP/1.x NNN " with a final status (a body may hold
 * "HTTP/1." without one, so a few candidates are tried). Returns its offset | status << 16, or 0 when there is none
 * (offset 0 cannot be a later answer). */
static __always_inline __u32 next_answer(struct scratch *s, __u32 from, __u32 n)
{
    for (int tries = 0; tries < 3; tries++) {
        __u32 c = find_status_line(from, n);
        if (!c)
            return 0;
        const __u8 *b = &s->data[c & (SCAN_SIZE - 1)];
        __u16 st = parse_status(b);
        if (b[8] == ' ' && st != 0 && st != 100)
            return (c & (SCAN_SIZE - 1)) | ((__u32)st << 16);
        from = c + 1;
    }
    return 0;
}

/* A server write or a client read that starts with a response. With more than one request queued (pipelining),
 * servers such as Kestrel answer several requests in one write, and a client may read several answers at once:
 * the first SCAN_SIZE bytes are searched for further status lines, each answering the next queued request, so
 * later responses are not paired with the wrong requests. Each response is credited with the bytes up to the
 * next status line (the last one with the rest of the call).
 * `meta` packs the syscall's byte count (low 32 bits), the first status (bits 32-47) and the scratch offset of its
 * status line (bits 48-63: 0 unless the call starts with the end of the previous answer, see answer_inside). */
static __noinline int finish_responses(struct conn_state *conn, __u64 p, __u64 len, __u64 now, __u64 meta)
{
    __u64 total = (__u32)meta;
    __u32 status = (meta >> 32) & 0xffff;
    __u32 first = (meta >> 48) & (SCAN_SIZE - 1);
    if (first > total)
        first = 0;
    if (conn->tail - conn->head <= 1) {
        finish_request(conn, status, total - first, now);
        return 0;
    }
    struct scratch *s = scratch();
    if (!s)
        return 0;
    __u32 n = s->n;
    __u32 prev = first;
    __u32 from = first + MIN_HTTP_SIZE;
    for (__u32 k = 0; k < MAX_PIPELINE; k++) {
        __u32 next = conn->tail - conn->head > 1 ? next_answer(s, from, n) : 0;
        __u32 at = next & 0xffff;
        finish_request(conn, status, at ? at - prev : total - prev, now);
        if (!at)
            return 0;
        prev = at;
        from = at + MIN_HTTP_SIZE;
        status = next >> 16;
    }
    /* More responses than MAX_PIPELINE in one write: the rest of the queue waits for later writes. */
    count(STAT_PIPE_OVERFLOW);
    return 0;
}

/* A server write or a client read that does not start with a status line while requests wait: the end of the
 * previous answer, possibly followed by the next ones. Kestrel, answering pipelined requests, writes a chunked
 * response's last chunk ("0\r\n\r\n") together with the next response, so that call starts five bytes before a
 * status line. The call's first bytes (read whole if only the first 12 were) are searched for a status line, and
 * the answers from there on are paired as in finish_responses. */
static __noinline int answer_inside(struct conn_state *conn, __u64 p, __u64 len, __u64 ret)
{
    struct scratch *s = scratch();
    if (!s)
        return 0;
    __u64 n = len < SCAN_SIZE ? len : SCAN_SIZE;
    if (s->n < n) {
        opaque(n);
        if (n > SCAN_SIZE)
            n = SCAN_SIZE;
        if (bpf_probe_read_user(s->data, n, (const void *)p) != 0)
            return 0;
        s->n = n;
    }
    /* The call does not start with a status line, so offset 0 is never an answer here. */
    __u32 next = next_answer(s, 0, s->n);
    if (next)
        finish_responses(conn, p, len, bpf_ktime_get_ns(),
                         (__u64)(__u32)ret | ((__u64)(next >> 16) << 32) | ((__u64)(next & 0xffff) << 48));
    return 0;
}

static __always_inline int is_read(__u32 nr)
{
    return nr == NR_read || nr == NR_readv || nr == NR_recvfrom || nr == NR_recvmsg;
}

/* The only hook. At sys_exit the user registers still hold the syscall's arguments (the kernel reads them
 * from pt_regs and writes back only the return value), so no sys_enter program is needed: that halves the
 * programs run per syscall, and a read that was already blocked when we attached is still seen.
 * A BTF-typed raw tracepoint (tp_btf, kernel 5.5+; the CO-RE reads already need the kernel's BTF): `regs` is a
 * typed kernel pointer, so its fields are plain loads rather than a bpf_probe_read_kernel helper call on every
 * syscall of a traced process. */
SEC("tp_btf/sys_exit")
int BPF_PROG(river_sys_exit, struct pt_regs *regs, long ret)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u32 tgid = pid_tgid >> 32;
    __u32 word = tgid / 64;
    __u64 *bits = bpf_map_lookup_elem(&pid_filter, &word);
    if (!bits || !(*bits & (1ULL << (tgid % 64))))
        return 0;
    __u32 nr = regs->orig_ax;
    switch (nr) {
    case NR_read: case NR_write: case NR_readv: case NR_writev:
    case NR_sendto: case NR_recvfrom: case NR_sendmsg: case NR_recvmsg: case NR_close:
        break;
    default:
        return 0;
    }
    struct { __u64 dx, si, di; } r = { .dx = regs->dx, .si = regs->si, .di = regs->di };
    __s32 fd = (__s32)r.di;
    if (nr == NR_close) {
        /* Unanswered requests of the connection wait in user space until they expire. */
        if (ret != 0)
            return 0;
        if (fd >= 0 && fd < FD_SEEN_MAX) {
            __u32 word = (__u32)fd / 8;
            __u8 *seen = bpf_map_lookup_elem(&fd_seen, &word);
            if (seen && !seen[fd & 7])
                return 0;
        }
        struct conn_key key = { .tgid = tgid, .fd = fd };
        /* A lock-free lookup first spares fds that are not in `conns` the locked delete. */
        if (bpf_map_lookup_elem(&conns, &key))
            bpf_map_delete_elem(&conns, &key);
        return 0;
    }
    if (ret <= 0)
        return 0;
    /* A MSG_PEEK read leaves the bytes in the socket for the real read that follows: counting it would see
     * the same request twice (Kestrel peeks one byte of every new connection). recvmsg's flags are its third
     * argument (dx), recvfrom's its fourth (r10, read only for recvfrom). */
    if (nr == NR_recvmsg && (r.dx & MSG_PEEK))
        return 0;
    if (nr == NR_recvfrom) {
        if (regs->r10 & MSG_PEEK)
            return 0;
    }
    __u64 buf = r.si;

    /* Where the data is: for the vectored calls, the first non-empty iovec segment (leading empty segments are
     * skipped, up to MAX_EMPTY_IOV of them). Servers put the whole start line in one segment (nginx's header
     * buffer in writev, Kestrel's header segment in sendmsg), so only that segment is classified. */
    __u64 p = buf;
    __u64 len = ret;
    if (nr == NR_readv || nr == NR_writev || nr == NR_recvmsg || nr == NR_sendmsg) {
        __u64 iov_addr = buf;
        __u64 iov_count = r.dx; /* readv/writev: iovcnt is the third argument */
        if (nr == NR_recvmsg || nr == NR_sendmsg) {
            struct user_msghdr_abi m;
            if (bpf_probe_read_user(&m, sizeof(m), (const void *)buf) != 0)
                return 0;
            iov_addr = m.iov;
            iov_count = m.iovlen;
        }
        struct user_iovec v = {};
        for (__u32 i = 0; i <= MAX_EMPTY_IOV; i++) {
            if (i >= iov_count)
                return 0;
            if (bpf_probe_read_user(&v, sizeof(v), (const void *)(iov_addr + i * sizeof(v))) != 0)
                return 0;
            if (v.len)
                break;
        }
        if (!v.len)
            return 0;
        p = v.base;
        if (v.len < len)
            len = v.len;
    }

    struct conn_state *conn = get_conn(tgid, fd);
    if (!conn || conn->kind != CONN_TCP)
        return 0;

    /* The call's first bytes, read once: classified here, scanned and copied into records from the scratch. */
    struct scratch *s = scratch();
    if (!s)
        return 0;
    __u64 n = len < SCAN_SIZE ? len : SCAN_SIZE;
    /* A call that can only carry an answer (a server's write, a client's read) with at most one request waiting
     * needs its status line alone: further bytes are searched only for the status lines of pipelined requests.
     * nginx writes its whole header block in one segment, so this reads 12 bytes instead of about 250. */
    int answering = is_read(nr) ? conn->role == DIR_CLIENT : conn->role == DIR_SERVER;
    if (answering && conn->tail - conn->head <= 1 && n > MIN_HTTP_SIZE)
        n = MIN_HTTP_SIZE;
    opaque(n);
    if (n > SCAN_SIZE)
        n = SCAN_SIZE;
    if (bpf_probe_read_user(s->data, n, (const void *)p) != 0)
        return 0;
    s->n = n;
    int request = n >= MIN_HTTP_SIZE && is_request(s->data);
    int response = !request && n >= MIN_HTTP_SIZE && is_response(s->data);
    __u16 status = response ? parse_status(s->data) : 0;
    /* "100 Continue" is an interim response: the real one follows. */
    if (status == 100)
        return 0;
    /* The clock is read only for the calls that start or answer a request. */
    __u64 now = request || response ? bpf_ktime_get_ns() : 0;

    if (is_read(nr)) {
        if (request && conn->role != DIR_CLIENT) {
            conn->role = DIR_SERVER;
            track_requests(conn, p, len, now, META(fd, DIR_SERVER, 0));
        } else if (response && conn->role == DIR_CLIENT) {
            finish_responses(conn, p, len, now, (__u64)(__u32)ret | ((__u64)status << 32));
        } else if (!request && !response && conn->role == DIR_SERVER && (conn->head != conn->tail || conn->carry_len)) {
            continue_requests(conn, p, len, META(fd, DIR_SERVER, 0));
        } else if (!request && !response && conn->role == DIR_CLIENT && conn->head != conn->tail) {
            answer_inside(conn, p, len, (__u32)ret);
        }
    } else {
        if (response && conn->role == DIR_SERVER) {
            finish_responses(conn, p, len, now, (__u64)(__u32)ret | ((__u64)status << 32));
        } else if (request && conn->role != DIR_SERVER) {
            conn->role = DIR_CLIENT;
            track_requests(conn, p, len, now, META(fd, DIR_CLIENT, 0));
        } else if (!request && !response && conn->role == DIR_CLIENT && (conn->head != conn->tail || conn->carry_len)) {
            continue_requests(conn, p, len, META(fd, DIR_CLIENT, 0));
        } else if (!request && !response && conn->role == DIR_SERVER && conn->head != conn->tail) {
            answer_inside(conn, p, len, (__u32)ret);
        }
    }
    return 0;
}
