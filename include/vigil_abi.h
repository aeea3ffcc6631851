/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vigil_abi.h - the one definition of vigil's wire messages and BPF map
 * layouts, shared by the XDP program (bpf/) and the agent (userspace/).
 *
 * Everything here is fixed-width, explicitly padded and size-checked, so the
 * two sides can never disagree about a byte. The wire format is specified in
 * docs/protocol.md; change both together and bump VIGIL_PROTO_VERSION (wire)
 * or VIGIL_MAP_ABI (maps) when a layout changes.
 */
#ifndef VIGIL_ABI_H
#define VIGIL_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- wire protocol ---------------------------------------------------- */

#define VIGIL_MAGIC	    0x5647494cU /* "VGIL", first 4 bytes of every message */
#define VIGIL_PROTO_VERSION 2		/* the agent's messages (all but PING and ACK) */
#define VIGIL_PROBE_VERSION 1		/* PING and ACK: their layout has not changed since 1 */
#define VIGIL_DEFAULT_PORT  7301	/* gossip and probes, UDP */
#define VIGIL_MAC_LEN	    8		/* SipHash-2-4 output, little-endian */
#define VIGIL_KEY_LEN	    16		/* 128-bit cluster key */
#define VIGIL_MAX_MSG	    1400	/* largest datagram vigil sends */

/* Message types. The XDP program handles PING and ACK itself; every other
 * type is passed up to the agent's socket untouched. */
enum vigil_msg_type {
	VIGIL_MSG_PING = 1,	 /* probe, answered in-kernel */
	VIGIL_MSG_ACK = 2,	 /* answer to a PING, recorded in-kernel */
	VIGIL_MSG_PING_REQ = 3,	 /* ask a member to probe another (indirect probe) */
	VIGIL_MSG_RELAY_ANS = 4, /* a relay's answer to a PING_REQ */
	VIGIL_MSG_GOSSIP = 5,	 /* membership updates (piggyback container) */
	VIGIL_MSG_JOIN = 6,	 /* join request to a known member */
	VIGIL_MSG_STATE = 7,	 /* full state for anti-entropy (TCP push-pull, zlib) */
	VIGIL_MSG_REPORT = 8,	 /* a member's unreachable set, sent to every server */
	VIGIL_MSG_MAINT = 9,	 /* maintenance request, sent to every server */
	VIGIL_MSG_FORGET = 10,	 /* forget a host gone for good, sent to every server */
	VIGIL_MSG_ANSWER = 11,	 /* the Raft leader's answer to a MAINT or FORGET */
	/* 12..63 reserved for membership; 64..255 reserved for extensions */
};

/* Prober channels (vigil_probe.chan, vigil_peer_key.chan): the agent's own
 * probes, probes it sends as a relay for another member, and in between the
 * diagnostic probers (`vigil ping` picks one per process). */
#define VIGIL_CHAN_AGENT    0
#define VIGIL_CHAN_DIAG_MIN 1
#define VIGIL_CHAN_DIAG_MAX 254
#define VIGIL_CHAN_RELAY    255

/* Header flags (vigil_hdr.flags, host order shown, big-endian on the wire). */
#define VIGIL_F_RELAYED 0x0001 /* probe sent on behalf of another member */
#define VIGIL_F_KEYNEXT 0x0002 /* signer used its secondary (rotation) key */

/* Common header: the first 16 bytes of every message. Multi-byte fields are
 * big-endian (network order). */
struct vigil_hdr {
	__be32 magic;	   /* VIGIL_MAGIC */
	__u8 version;	   /* VIGIL_PROBE_VERSION (PING, ACK), else VIGIL_PROTO_VERSION */
	__u8 type;	   /* enum vigil_msg_type */
	__be16 flags;	   /* VIGIL_F_* */
	__be32 cluster_id; /* hash of the cluster (availability zone) name */
	__be32 sender_id;  /* node id of the signer of this message */
};

/*
 * PING and ACK share one 64-byte layout, so the XDP program turns a PING into
 * its ACK in place without resizing the packet. The MAC covers bytes 0..55.
 *
 *   PING: sender = prober, target = probed node, send_ns = prober's clock,
 *         incarnation/heartbeat = prober's.
 *   ACK:  sender = responder, target = prober, seq/send_ns/chan/origin_id
 *         echoed, incarnation/heartbeat = responder's (heartbeat is the
 *         responder *agent's* counter, read from its self map: a counter that
 *         stops while ACKs keep coming means "host alive, agent stalled").
 */
struct vigil_probe {
	struct vigil_hdr hdr;
	__be32 target_id;   /* node id the PING is addressed to */
	__be32 seq;	    /* prober's sequence number, per peer and channel */
	__be64 send_ns;	    /* prober's CLOCK_MONOTONIC at send, echoed */
	__be32 incarnation; /* low 32 bits of the sender's incarnation (shown, not compared) */
	__u8 chan;	    /* prober's channel: VIGIL_CHAN_* */
	__u8 pad[3];	    /* zero */
	__be64 heartbeat;   /* sender agent's heartbeat counter */
	__be32 origin_id;   /* indirect probes: member that asked; 0 = direct */
	__be32 reserved;    /* zero */
	__u8 mac[VIGIL_MAC_LEN];
};

/* ---- membership messages (handled by the agent, never by XDP) ---------- */

/* Member states as carried in updates. */
enum vigil_member_state {
	VIGIL_ST_ALIVE = 0,
	VIGIL_ST_SUSPECT = 1,
	VIGIL_ST_DEAD = 2,
	VIGIL_ST_LEFT = 3,
};

/* A member's role, as carried in updates. */
enum vigil_role {
	VIGIL_ROLE_CLIENT = 0, /* gossip and reports only */
	VIGIL_ROLE_SERVER = 1, /* also a Raft voter */
};

#define VIGIL_UF_WITNESS 0x01 /* ALIVE vouched for by a witness's kernel ACK */
#define VIGIL_NAME_LEN	 64

/*
 * One member's state, as gossiped: GOSSIP carries several, JOIN one.
 * Incarnations are 64-bit: a member starts at its boot epoch (CLOCK_REALTIME
 * seconds at agent start, never below the last one it used) shifted left by
 * 32, and counts up from there. A claim whose epoch lies beyond the
 * receiver's clock plus VIGIL_EPOCH_AHEAD_S is refused, so no claim can be
 * made that its subject cannot outbid within that long, and an incarnation
 * never wraps.
 */
struct vigil_update {
	__be32 node_id;
	__u8 state; /* enum vigil_member_state */
	__u8 flags; /* VIGIL_UF_* */
	__u8 role;  /* enum vigil_role */
	__u8 pad;
	__be64 incarnation;
	__be16 port; /* UDP port */
	__be16 reserved;
	__u8 addr[16];		   /* IPv6, or IPv4-mapped (::ffff:a.b.c.d) */
	__be32 from_id;		   /* who asserted it (suspicion confirmations) */
	char name[VIGIL_NAME_LEN]; /* NUL-padded */
};

#define VIGIL_EPOCH_AHEAD_S 120 /* an incarnation's epoch may lead the receiver's clock by this */

/* GOSSIP and JOIN: header, count, then count updates, then the MAC. */
struct vigil_gossip {
	struct vigil_hdr hdr;
	__be16 count;
	__be16 reserved;
	__be32 reserved2;
	/* struct vigil_update updates[count]; __u8 mac[8]; */
};

/* STATE messages travel over TCP, so they may hold every member. */
#define VIGIL_MAX_STATE_MSG                                                                        \
	(sizeof(struct vigil_gossip) + 8192 * sizeof(struct vigil_update) + VIGIL_MAC_LEN)

#define VIGIL_GOSSIP_MAX_UPDATES                                                                   \
	((VIGIL_MAX_MSG - sizeof(struct vigil_gossip) - VIGIL_MAC_LEN) /                           \
	 sizeof(struct vigil_update))

/* PING_REQ (requester -> relay) and RELAY_ANS (relay -> requester). */
struct vigil_relay {
	struct vigil_hdr hdr;
	__be32 target_id;
	__be32 req_seq;	      /* requester's sequence, echoed */
	__u8 target_addr[16]; /* IPv6 or IPv4-mapped */
	__be16 target_port;
	__u8 acked; /* RELAY_ANS: 1 if the target's kernel answered the relay */
	__u8 pad;
	__be32 reserved;
	__u8 mac[VIGIL_MAC_LEN];
};

/*
 * REPORT, MAINT and FORGET change the servers' state, so each carries its
 * sender's epoch (its boot epoch, as above) and a sequence number counted up
 * within it: a server takes a message only if (epoch, seq) is past the last
 * one it took of that type from that sender (MAINT and FORGET count as one
 * type). A captured message can neither be replayed nor re-dated (the MAC
 * covers both), and no clock need agree.
 */

/* REPORT (member -> every server, every report_interval_ms): who this member
 * currently finds unreachable (dead), for the leader's quorum verdicts. The
 * header below is followed by __be32 unreachable[count], then the MAC. */
struct vigil_report {
	struct vigil_hdr hdr;
	char name[VIGIL_NAME_LEN];     /* reporter's node name */
	char hostname[VIGIL_NAME_LEN]; /* reporter's hypervisor host name (Nova/Masakari) */
	__be16 count;		       /* node ids that follow */
	__be16 reserved;
	__be32 reserved2;
	__be64 epoch; /* sender's boot epoch */
	__be64 seq;   /* sender's message counter within it */
};

#define VIGIL_REPORT_MAX_IDS ((VIGIL_MAX_MSG - sizeof(struct vigil_report) - VIGIL_MAC_LEN) / 4)

/*
 * MAINT and FORGET (any agent -> every server): an operator's request, put a
 * host into or out of maintenance, or forget a host that is gone for good.
 * The header below is followed by reason_len bytes of the operator's reason
 * (UTF-8, no NUL, no control character), then the MAC: 112 bytes without a
 * reason, as senders before the reason always sent. The Raft leader answers
 * each with an ANSWER once it is decided.
 */
#define VIGIL_REASON_MAX 200 /* bytes of an operator's reason */
struct vigil_maint {
	struct vigil_hdr hdr;
	char host[VIGIL_NAME_LEN]; /* node name or hypervisor host name */
	__u8 on;		   /* MAINT: 1 = enter maintenance, 0 = leave it; FORGET: 0 */
	__u8 reason_len;	   /* bytes of reason after seq, at most VIGIL_REASON_MAX */
	__u8 pad[6];
	__be64 epoch; /* sender's boot epoch */
	__be64 seq;   /* sender's message counter within it */
};

#define VIGIL_MAINT_LEN(reason_len) (sizeof(struct vigil_maint) + (reason_len) + VIGIL_MAC_LEN)

/* What the leader did with a MAINT or FORGET (vigil_answer.result). */
enum vigil_answer_result {
	VIGIL_ANS_APPLIED = 0,	 /* committed and applied */
	VIGIL_ANS_UNKNOWN = 1,	 /* no such host in the decided state: nothing changed */
	VIGIL_ANS_ALIVE = 2,	 /* FORGET refused: the host is alive or suspect, or reports */
	VIGIL_ANS_ALREADY = 3,	 /* MAINT: in (out of) maintenance already: nothing changed */
	VIGIL_ANS_PENDING = 4,	 /* FORGET refused: a notification about it is still to go */
	VIGIL_ANS_UNDECIDED = 5, /* FORGET refused: a member without a verdict */
};

/* The host's decided state after the request (vigil_answer.state). */
enum vigil_host_state {
	VIGIL_HOST_MEMBER = 0,
	VIGIL_HOST_MAINTENANCE = 1,
	VIGIL_HOST_FAILED = 2,
	VIGIL_HOST_LEFT = 3,
	VIGIL_HOST_NONE = 4, /* not in the decided state (forgotten, or unknown) */
};

#define VIGIL_ANSF_VOTER 0x01 /* FORGET: the host is still a Raft voter */

/* ANSWER (Raft leader -> the sender of a MAINT or FORGET), matched by the
 * request's type and (epoch, seq), which it echoes. */
struct vigil_answer {
	struct vigil_hdr hdr;
	char host[VIGIL_NAME_LEN]; /* as the request named it */
	__u8 request;		   /* VIGIL_MSG_MAINT or VIGIL_MSG_FORGET */
	__u8 on;		   /* the request's */
	__u8 result;		   /* enum vigil_answer_result */
	__u8 state;		   /* enum vigil_host_state */
	__u8 flags;		   /* VIGIL_ANSF_* */
	__u8 pad[3];
	__be64 epoch; /* the request's, echoed */
	__be64 seq;
	__u8 mac[VIGIL_MAC_LEN];
};

_Static_assert(sizeof(struct vigil_maint) == 104, "vigil_maint header is 104 bytes");
_Static_assert(sizeof(struct vigil_answer) == 112, "vigil_answer is 112 bytes");
_Static_assert(sizeof(struct vigil_report) == 168, "vigil_report header is 168 bytes");
_Static_assert(sizeof(struct vigil_update) == 104, "vigil_update is 104 bytes on the wire");
_Static_assert(sizeof(struct vigil_gossip) == 24, "vigil_gossip header is 24 bytes");
_Static_assert(sizeof(struct vigil_relay) == 56, "vigil_relay is 56 bytes on the wire");

#define VIGIL_PROBE_LEN	    ((__u32)sizeof(struct vigil_probe))
#define VIGIL_PROBE_MAC_OFF (VIGIL_PROBE_LEN - VIGIL_MAC_LEN)

_Static_assert(sizeof(struct vigil_hdr) == 16, "vigil_hdr is 16 bytes on the wire");
_Static_assert(sizeof(struct vigil_probe) == 64, "vigil_probe is 64 bytes on the wire");
_Static_assert(__builtin_offsetof(struct vigil_probe, mac) == 56, "MAC ends the probe");

/* ---- BPF maps ----------------------------------------------------------- */

#define VIGIL_MAP_ABI	  2  /* bump when a map key or value layout changes */
#define VIGIL_INFLIGHT	  8  /* probes in flight per peer channel (power of 2) */
#define VIGIL_RTT_BUCKETS 32 /* log2(ns) RTT histogram buckets */
#define VIGIL_MAX_PEERS	  4096
#define VIGIL_PROBERS	  16384 /* probers table (LRU): (sender, chan) pairs that PING us */
#define VIGIL_PING_WINDOW 8	/* send times remembered per prober channel */
#define VIGIL_KEY_SLOTS	  2	/* 0 = primary (signs), 1 = secondary (accepted) */

/* The oldest map ABI whose vigil_peer and vigil_self values read exactly as
 * this one's: entries it wrote are kept across an upgrade (ABI 2 changed the
 * stats value and replaced the ratelimit map, nothing else). */
#define VIGIL_MAP_ABI_PEER_MIN 1

/* After a prober channel has had no fresh PING for this long, its next PING
 * is answered whatever its send time: the prober's host may have rebooted
 * and its CLOCK_MONOTONIC started again (docs/protocol.md section 7.6). */
#define VIGIL_PING_QUIET_NS (5ULL * 1000000000ULL)

/* Key of the peers, inflight and probers maps: one entry per (node, prober
 * channel). In peers and inflight the node is the peer this host probes; in
 * probers it is a node that probes this host. */
struct vigil_peer_key {
	__u32 node_id; /* peer's node id */
	__u8 chan;     /* VIGIL_CHAN_* */
	__u8 pad[3];   /* zero */
};

/* A probe that left this host and may still be answered. */
struct vigil_probe_slot {
	__u64 send_ns; /* CLOCK_MONOTONIC the PING carried; 0 = empty */
	__u32 seq;     /* its sequence number */
	__u32 pad;
};

/* inflight map value, written by userspace before each PING is sent and only
 * read by the XDP program: an ACK counts only if it echoes a (seq, send_ns)
 * pair found here. Indexed by seq & (VIGIL_INFLIGHT - 1). */
struct vigil_inflight {
	struct vigil_probe_slot slot[VIGIL_INFLIGHT];
};

/* peers map value: created (zeroed, abi set) by userspace, then written only
 * by the XDP program on each valid ACK, with kernel timestamps. */
struct vigil_peer {
	__u32 abi;	    /* VIGIL_MAP_ABI, set by userspace at creation */
	__u32 node_id;	    /* same as the key, for readable dumps */
	__u64 last_ack_ns;  /* bpf_ktime_get_ns() when the newest valid ACK arrived */
	__u64 last_send_ns; /* send time that ACK echoed */
	__u32 last_ack_seq; /* its sequence number; older ones are refused */
	__u32 incarnation;  /* responder's incarnation from that ACK */
	__u64 heartbeat;    /* responder agent's heartbeat counter from that ACK */
	__u64 rtt_ns;	    /* last round-trip time */
	__u64 srtt_ns;	    /* smoothed RTT (gain 1/8, RFC 6298) */
	__u64 jitter_ns;    /* mean RTT deviation (gain 1/4, RFC 6298 RTTVAR) */
	__u64 rtt_min_ns;   /* smallest RTT seen */
	__u64 rtt_max_ns;   /* largest RTT seen */
	__u64 acks;	    /* valid ACKs recorded */
	__u64 stale_acks;   /* ACKs refused: replayed, unknown or too old */
	__u64 rtt_sum_ns;   /* sum of all RTTs counted in acks (histogram sum) */
	__u64 rtt_hist[VIGIL_RTT_BUCKETS]; /* [i] counts RTTs with floor(log2(ns)) == i */
};

_Static_assert(sizeof(struct vigil_peer_key) == 8, "vigil_peer_key layout");
_Static_assert(sizeof(struct vigil_inflight) == 16 * VIGIL_INFLIGHT, "vigil_inflight layout");
_Static_assert(sizeof(struct vigil_peer) == 104 + 8 * VIGIL_RTT_BUCKETS, "vigil_peer layout");

/* self map value (array, one entry): this node's agent, as ACKs report it. */
struct vigil_self {
	__u32 abi;	   /* VIGIL_MAP_ABI */
	__u32 incarnation; /* low 32 bits of our incarnation, echoed in ACKs (shown only) */
	__u64 heartbeat;   /* bumped by the agent while its event loop runs */
	__u64 updated_ns;  /* CLOCK_MONOTONIC of the last bump */
};

_Static_assert(sizeof(struct vigil_self) == 24, "vigil_self layout");

/* keys map value (array, VIGIL_KEY_SLOTS entries). */
struct vigil_key {
	__u64 k0;    /* key bytes 0..7, little-endian (SipHash convention) */
	__u64 k1;    /* key bytes 8..15 */
	__u32 valid; /* 1 = in use */
	__u32 pad;
};

_Static_assert(sizeof(struct vigil_key) == 24, "vigil_key layout");

/* A token bucket: the answers a prober channel may still get. */
struct vigil_rl_bucket {
	__u64 tokens;  /* available answers, scaled by 1e9 (nano-tokens) */
	__u64 last_ns; /* when tokens were last refilled */
};

/* probers map value (LRU hash, key vigil_peer_key = the PING's authenticated
 * sender_id and chan): written only by the XDP program, after the PING's MAC
 * verified, so only a key holder creates or changes an entry. */
struct vigil_prober {
	struct vigil_rl_bucket rl; /* answer budget (rate_limit_pps, rate_limit_burst) */
	__u64 fresh_ns;		   /* bpf_ktime_get_ns() when a PING last passed the replay check */
	__u64 send_ns[VIGIL_PING_WINDOW]; /* the newest send times that passed it; 0 = unused */
};

_Static_assert(sizeof(struct vigil_rl_bucket) == 16, "vigil_rl_bucket layout");
_Static_assert(sizeof(struct vigil_prober) == 24 + 8 * VIGIL_PING_WINDOW, "vigil_prober layout");

/* stats map value (per-CPU array, one entry): what the XDP program did. */
struct vigil_stats {
	__u64 rx_ping;		  /* valid PINGs addressed to us */
	__u64 tx_ack;		  /* ACKs sent back with XDP_TX */
	__u64 rx_ack;		  /* valid ACKs recorded into the peers map */
	__u64 pass_other;	  /* vigil messages for the agent, passed up */
	__u64 drop_truncated;	  /* to our port, shorter than its header or length */
	__u64 drop_bad_version;	  /* our magic, another protocol version */
	__u64 drop_bad_length;	  /* PING/ACK whose UDP length is not 64 */
	__u64 drop_wrong_cluster; /* cluster id is not ours */
	__u64 drop_bad_mac;	  /* MAC matches no installed key */
	__u64 drop_wrong_target;  /* signed, but addressed to another node */
	__u64 drop_rate_limited;  /* PING over its prober channel's answer budget */
	__u64 drop_stale_ack;	  /* ACK replayed, unknown seq, or too old */
	__u64 drop_unknown_peer;  /* ACK from a peer not in the peers map */
	__u64 drop_no_key;	  /* no key installed yet */
	__u64 drop_replayed_ping; /* PING whose send time was already answered, or older */
};

#define VIGIL_STATS_FIELDS (sizeof(struct vigil_stats) / sizeof(__u64))

#endif /* VIGIL_ABI_H */
