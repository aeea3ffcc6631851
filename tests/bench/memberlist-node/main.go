// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)

// memberlist-node - one member of a HashiCorp memberlist cluster, for
// bench-compare. It logs every state change it sees of another member in
// vigil's format, so the benchmark reads all systems' logs the same way:
//
//	2026-12-01T10:00:00.123Z info: event=state member=hv3 from=alive to=dead incarnation=0
//
// memberlist 0.2 has no callback for suspicions, and the State it exports in
// Node is never set, so the member table itself (nodeState.State and
// .Incarnation, under nodeLock) is read by reflection every -poll (5 ms):
// a change is logged at most that long after memberlist made it.
//
// With -stamp it only copies standard input to standard output, each line
// prefixed with the time it was read (used for serf, whose log has
// one-second resolution).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/hashicorp/memberlist"
)

func stamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

var stateName = map[uint64]string{0: "alive", 1: "suspect", 2: "dead", 3: "left"}

type member struct {
	state string
	inc   uint64
}

// table reads memberlist's unexported member table.
type table struct {
	lock  *sync.RWMutex
	nodes reflect.Value // []*nodeState
}

func newTable(ml *memberlist.Memberlist) (*table, error) {
	v := reflect.ValueOf(ml).Elem()
	lk, nodes := v.FieldByName("nodeLock"), v.FieldByName("nodes")
	if !lk.IsValid() || lk.Type() != reflect.TypeOf(sync.RWMutex{}) || !nodes.IsValid() ||
		nodes.Kind() != reflect.Slice {
		return nil, fmt.Errorf("this memberlist has no nodeLock/nodes member table")
	}
	ns := nodes.Type().Elem().Elem()
	if f, ok := ns.FieldByName("State"); !ok || len(f.Index) != 1 {
		return nil, fmt.Errorf("this memberlist's nodeState has no State")
	}
	if _, ok := ns.FieldByName("Incarnation"); !ok {
		return nil, fmt.Errorf("this memberlist's nodeState has no Incarnation")
	}
	return &table{lock: (*sync.RWMutex)(unsafe.Pointer(lk.UnsafeAddr())), nodes: nodes}, nil
}

// poll logs every change since the last poll of the members other than self.
func (t *table) poll(self string, seen map[string]*member) {
	t.lock.RLock()
	n := t.nodes.Len()
	now := make(map[string]member, n)
	for i := 0; i < n; i++ {
		ns := t.nodes.Index(i).Elem()
		name := ns.FieldByName("Node").FieldByName("Name").String()
		now[name] = member{stateName[uint64(ns.FieldByName("State").Int())],
			ns.FieldByName("Incarnation").Uint()}
	}
	t.lock.RUnlock()
	for name, m := range now {
		if name == self {
			continue
		}
		old := seen[name]
		if old == nil {
			old = &member{state: "none"}
			seen[name] = old
		}
		if old.state != m.state {
			fmt.Printf("%s info: event=state member=%s from=%s to=%s incarnation=%d\n",
				stamp(), name, old.state, m.state, m.inc)
		}
		*old = m
	}
}

// logSink copies memberlist's own log to stderr, stamped, without its debug
// chatter.
type logSink struct{}

func (logSink) Write(p []byte) (int, error) {
	line := strings.TrimRight(string(p), "\n")
	if !strings.Contains(line, "[DEBUG]") {
		fmt.Fprintf(os.Stderr, "%s %s\n", stamp(), line)
	}
	return len(p), nil
}

func runStamp() {
	r := bufio.NewReader(os.Stdin)
	for {
		line, err := r.ReadString('\n')
		if len(line) > 0 {
			fmt.Printf("%s %s", stamp(), strings.TrimRight(line, "\n")+"\n")
		}
		if err == io.EOF {
			return
		} else if err != nil {
			os.Exit(1)
		}
	}
}

func main() {
	var (
		doStamp   = flag.Bool("stamp", false, "copy stdin to stdout, each line prefixed with the time it was read")
		name      = flag.String("name", "", "node name")
		bind      = flag.String("bind", "", "address to bind and advertise")
		port      = flag.Int("port", 7948, "UDP and TCP port")
		join      = flag.String("join", "", "address:port of a member to join through (retried for 60 s)")
		profile   = flag.String("profile", "lan", "memberlist defaults to start from: lan or local")
		pollEvery = flag.Duration("poll", 5*time.Millisecond, "how often the member table is read")
		tuning    []func(*memberlist.Config) // the timing flags given, applied over the profile
	)
	durFlag := func(name, field string, set func(*memberlist.Config, time.Duration)) {
		flag.Func(name, "memberlist's "+field+" (default: the profile's)", func(v string) error {
			d, err := time.ParseDuration(v)
			tuning = append(tuning, func(c *memberlist.Config) { set(c, d) })
			return err
		})
	}
	intFlag := func(name, field string, set func(*memberlist.Config, int)) {
		flag.Func(name, "memberlist's "+field+" (default: the profile's)", func(v string) error {
			n, err := strconv.Atoi(v)
			tuning = append(tuning, func(c *memberlist.Config) { set(c, n) })
			return err
		})
	}
	durFlag("probe-interval", "ProbeInterval", func(c *memberlist.Config, d time.Duration) { c.ProbeInterval = d })
	durFlag("probe-timeout", "ProbeTimeout", func(c *memberlist.Config, d time.Duration) { c.ProbeTimeout = d })
	durFlag("gossip-interval", "GossipInterval", func(c *memberlist.Config, d time.Duration) { c.GossipInterval = d })
	intFlag("suspicion-mult", "SuspicionMult", func(c *memberlist.Config, n int) { c.SuspicionMult = n })
	intFlag("suspicion-max-mult", "SuspicionMaxTimeoutMult", func(c *memberlist.Config, n int) { c.SuspicionMaxTimeoutMult = n })
	intFlag("indirect-checks", "IndirectChecks", func(c *memberlist.Config, n int) { c.IndirectChecks = n })
	intFlag("gossip-nodes", "GossipNodes", func(c *memberlist.Config, n int) { c.GossipNodes = n })
	intFlag("retransmit-mult", "RetransmitMult", func(c *memberlist.Config, n int) { c.RetransmitMult = n })
	flag.Parse()
	if *doStamp {
		runStamp()
		return
	}
	if *name == "" || *bind == "" {
		fmt.Fprintln(os.Stderr, "usage: memberlist-node -name NAME -bind ADDR [-join ADDR:PORT] [timing flags] | -stamp")
		os.Exit(2)
	}

	var c *memberlist.Config
	switch *profile {
	case "lan":
		c = memberlist.DefaultLANConfig()
	case "local":
		c = memberlist.DefaultLocalConfig()
	default:
		fmt.Fprintln(os.Stderr, "profile: lan or local")
		os.Exit(2)
	}
	for _, set := range tuning {
		set(c)
	}
	c.Name, c.BindAddr, c.BindPort = *name, *bind, *port
	c.AdvertiseAddr, c.AdvertisePort = *bind, *port
	c.Logger = log.New(logSink{}, "", 0)

	fmt.Printf("%s info: memberlist-node %s at %s:%d profile=%s probe_interval=%v probe_timeout=%v "+
		"suspicion_mult=%d suspicion_max_mult=%d indirect_checks=%d gossip_interval=%v gossip_nodes=%d retransmit_mult=%d\n",
		stamp(), *name, *bind, *port, *profile, c.ProbeInterval, c.ProbeTimeout, c.SuspicionMult,
		c.SuspicionMaxTimeoutMult, c.IndirectChecks, c.GossipInterval, c.GossipNodes, c.RetransmitMult)
	ml, err := memberlist.Create(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "memberlist:", err)
		os.Exit(1)
	}
	tab, err := newTable(ml)
	if err != nil {
		fmt.Fprintln(os.Stderr, "memberlist-node:", err)
		os.Exit(1)
	}
	go func() {
		seen := map[string]*member{}
		for range time.Tick(*pollEvery) {
			tab.poll(*name, seen)
		}
	}()
	if *join != "" && *join != net.JoinHostPort(*bind, fmt.Sprint(*port)) {
		for i := 0; ; i++ {
			if _, err = ml.Join([]string{*join}); err == nil {
				break
			}
			if i == 120 {
				fmt.Fprintln(os.Stderr, "join:", err)
				os.Exit(1)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	ml.Shutdown() // no Leave: stopping is not leaving, as for the other systems
}
