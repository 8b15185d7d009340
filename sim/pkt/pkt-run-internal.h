/* The runner's state, shared by its files: pkt-run.c (the world and the
 * event loop), pkt-packet.c (segments in and out), pkt-call.c (system
 * calls) and pkt-host.c (sysctls and tcp_info assertions). */
#pragma once
#include "pkt-run.h"
#include "net.h"
#include "tcp.h"

#define PKT_LOCAL_ADDR  0xc0a80001u   /* 192.168.0.1: packetdrill's --local_ip */
#define PKT_REMOTE_ADDR 0xc0000201u   /* 192.0.2.1: packetdrill's --remote_ip */
#define PKT_SERVER_PORT 8080          /* what bind(..., ...) and connect(..., ...) use */
#define PKT_REMOTE_PORT 40000         /* the script's port towards a listener */
#define PKT_FIRST_FD    3

/* A packet the host sent and the time it reached the peer. */
typedef struct {
  Packet *pkt;
  SimTime time;
} PktSent;

/* A file descriptor of the script. */
typedef struct {
  TcpSocket *sock;
  gboolean   nonblock;
  guint32    user_mss;    /* TCP_MAXSEG set on it, 0: none */
} PktFd;

/* The one blocking call in progress, if any (packetdrill allows one). */
typedef struct {
  const PktEvent *ev;     /* NULL: none */
  SimTime         end;    /* when the script says it returns (virtual) */
  TcpSocket      *sock;   /* whose waiter wakes it */
  gsize           done;   /* write: bytes already taken */
  SimEventId      timeout;  /* poll: the event that ends its wait, or 0 */
  gboolean        timed_out;
} PktBlocked;

typedef struct {
  const PktScript    *script;
  const PktRunOptions *opts;
  SimEngine          *engine;
  SimRunView          view;
  SimWriters          w;           /* the run's writers, each NULL unless asked for */
  NetWorld           *net;
  NetNode            *host, *peer;
  TcpStack           *stack;
  GArray             *sent;        /* PktSent, oldest first from sent_head */
  guint               sent_head;
  gboolean            waiting;     /* stop the engine when a packet arrives */
  GPtrArray          *fds;         /* PktFd* by fd number; NULL: free */
  int                 last_fd;     /* the socket under test (tcp_info) */
  NetAddr             local_addr, remote_addr;  /* --local_ip, --remote_ip */
  gboolean            tfo_server;  /* defaults.sh turned TCP Fast Open on */
  /* the connection the script plays the peer of */
  guint16             lport, rport;
  guint32             local_isn;    /* the host's ISN (its last SYN's seq) */
  guint32             script_isn;   /* what the script called it (that SYN's script seq) */
  guint32             remote_isn;   /* the script's ISN: its first SYN after listen()
                                       or connect() */
  gboolean            remote_armed; /* the next inbound SYN sets remote_isn */
  guint32             ts_offset;   /* host's TS val - the script's, from the first */
  gboolean            ts_known;
  GHashTable         *ts_map;      /* the script's TS vals -> the host's (lookups only) */
  SimTime             tolerance;
  SimTime             ts_tick;     /* --tcp_ts_tick_usecs, 0: TS val not checked */
  SimTime             last;        /* script time of the previous event */
  PktBlocked          blocked;
  /* outcome */
  PktOutcome          outcome;
  char               *message;
} PktRun;

/* Records the first failure or unsupported feature at `line`: the message
 * is "PATH:LINE: " followed by the text. */
void
pkt_run_fail(PktRun *run, PktOutcome outcome, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* " (t=0.100000 s)": the virtual time for a failure message. */
char *
pkt_run_when(PktRun *run);

/* pkt-packet.c */
void
pkt_packet_inject(PktRun *run, const PktEvent *ev);
/* Matches the packet the host sent at `time` against an outbound event. */
void
pkt_packet_expect(PktRun *run, const PktEvent *ev, const Packet *pkt, SimTime lo, SimTime hi,
                  SimTime time);
/* The script's form of a packet: "S. 0:0(0) ack 1 win 65535 <mss 1460>". */
char *
pkt_packet_format_actual(PktRun *run, const Packet *pkt);

/* pkt-call.c: runs a system call event; blocking ones may stay pending
 * in run->blocked. */
void
pkt_call_start(PktRun *run, const PktEvent *ev, SimTime end);
/* Frees what the descriptors hold (at the end of the run). */
void
pkt_call_close_all(PktRun *run);

/* pkt-host.c */
void
pkt_host_command(PktRun *run, const PktEvent *ev);
void
pkt_host_code(PktRun *run, const PktEvent *ev);
/* Applies the script's --options; FALSE after pkt_run_fail. */
gboolean
pkt_host_options(PktRun *run);
