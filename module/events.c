// SPDX-License-Identifier: GPL-2.0
/*
 * Events from outside the family: what rtnetlink and XFRM change about a
 * tunnel is announced on the "events" group like what the family changes.
 *
 * Where each event is sent from, once:
 *  - TUNNEL_NEW: by tunnel_new_doit() for the family's tunnels, after they
 *    are configured; by gnvsec_newlink() for "ip link add" (device.c).
 *  - TUNNEL_DEL: by gnvsec_dellink(), which every deletion goes through
 *    (the family, "ip link del", a namespace that dies, module unload).
 *  - TUNNEL_SET for a new name or MTU from outside: the netdevice notifier
 *    below. An MTU that gnvsec sets itself (derived, or asked of the
 *    family) is announced by the request that set it, so the notifier
 *    skips it (tun->mtu_auto, tun->mtu_quiet).
 *  - TUNNEL_STATE when the IPsec state changed: the key manager below sees
 *    every SA and policy change (xfrm_user, PF_KEY and the kernel's own
 *    expiry all call km_state_notify()/km_policy_notify()) and schedules
 *    the namespace's work, which recomputes each tunnel's state and
 *    announces those that differ from the state their last event carried.
 */

#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <net/xfrm.h>

#include "gnvsec.h"

/*
 * XFRM changes come in bursts (an IKE daemon installs two SAs and their
 * policies, a flush removes everything): one recomputation per burst.
 */
#define GNVSEC_EVENTS_DELAY	(HZ / 20)

/*
 * Called from XFRM in any context (process, softirq; under XFRM's own
 * locks, e.g. x->lock for a hard expiry from the state's timer), under
 * rcu_read_lock(): only queues the work, never sleeps. A namespace without
 * tunnels costs a load and a test. @net is alive: XFRM notifies only for
 * states and policies it holds, and gnvsec's namespace state (a pernet
 * device, freed after every subsystem's exit, XFRM's included) outlives
 * them; before gnvsec's init of a namespace has run net_generic() gives
 * NULL.
 */
static void events_kick(struct net *net)
{
	struct gnvsec_net *gn = gnvsec_pernet(net);
	unsigned long flags;

	if (!gn || !READ_ONCE(gn->ev_armed))
		return;
	/* Under the lock: gnvsec_events_net_exit() disarms, then cancels. */
	spin_lock_irqsave(&gn->ev_lock, flags);
	if (gn->ev_armed)
		queue_delayed_work(system_wq, &gn->ev_work, GNVSEC_EVENTS_DELAY);
	spin_unlock_irqrestore(&gn->ev_lock, flags);
}

static int km_notify(struct xfrm_state *x, const struct km_event *c)
{
	/*
	 * Replay and lifetime counters (aevents), sent from the datapath
	 * while someone listens for them: they never change a state.
	 */
	if (c->event == XFRM_MSG_NEWAE)
		return 0;
	/* A flush has no state; its event names the namespace. */
	events_kick(x ? xs_net(x) : c->net);
	return 0;
}

static int km_notify_policy(struct xfrm_policy *xp, int dir,
			    const struct km_event *c)
{
	events_kick(xp ? xp_net(xp) : c->net);
	return 0;
}

/*
 * km_query() calls every key manager's acquire unconditionally: gnvsec
 * negotiates nothing. An error here is what XFRM gets from a manager that
 * did not take the acquire.
 */
static int km_acquire(struct xfrm_state *x, struct xfrm_tmpl *t,
		      struct xfrm_policy *xp)
{
	return -EOPNOTSUPP;
}

/*
 * xfrm_user_policy() (setsockopt IP_XFRM_POLICY and the like) calls every
 * manager's compile_policy unconditionally and keeps the error of the last
 * one that wrote *dir: writing nothing leaves the answer to the others.
 */
static struct xfrm_policy *km_compile_policy(struct sock *sk, int opt,
					     u8 *data, int len, int *dir)
{
	return NULL;
}

static struct xfrm_mgr gnvsec_km = {
	.notify		= km_notify,
	.acquire	= km_acquire,
	.compile_policy	= km_compile_policy,
	.notify_policy	= km_notify_policy,
};

/* Process context; the namespace is alive until its exit cancels this. */
static void events_work(struct work_struct *work)
{
	struct gnvsec_net *gn = container_of(to_delayed_work(work),
					     struct gnvsec_net, ev_work);

	gnvsec_genl_notify_states(gn);
}

/* Under RTNL, when a tunnel joins or leaves @gn: XFRM is watched meanwhile. */
void gnvsec_events_arm(struct gnvsec_net *gn)
{
	bool armed = !list_empty(&gn->tunnels);

	ASSERT_RTNL();
	if (armed == gn->ev_armed)
		return;
	spin_lock_irq(&gn->ev_lock);
	WRITE_ONCE(gn->ev_armed, armed);
	spin_unlock_irq(&gn->ev_lock);
	/* A work already queued finds no tunnel and does nothing. */
}

void gnvsec_events_net_init(struct gnvsec_net *gn)
{
	spin_lock_init(&gn->ev_lock);
	INIT_DELAYED_WORK(&gn->ev_work, events_work);
}

/*
 * From the namespace's exit, after its tunnels were deleted (so disarmed),
 * without RTNL, which the work takes: once the work is cancelled nothing
 * can queue it again, as events_kick() tests ev_armed under ev_lock.
 */
void gnvsec_events_net_exit(struct gnvsec_net *gn)
{
	WARN_ON_ONCE(gn->ev_armed);
	cancel_delayed_work_sync(&gn->ev_work);
}

static int netdev_event(struct notifier_block *nb, unsigned long event,
			void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct gnvsec_tunnel *tun;

	/* Every device of every namespace passes here: one compare. */
	if (!gnvsec_is_tunnel(dev))
		return NOTIFY_DONE;
	tun = netdev_priv(dev);

	switch (event) {
	case NETDEV_CHANGENAME:
		break;
	case NETDEV_CHANGEMTU:
		/* Set by gnvsec for a request that announces it itself. */
		if (tun->mtu_auto || tun->mtu_quiet)
			return NOTIFY_DONE;
		break;
	default:
		return NOTIFY_DONE;
	}
	/*
	 * A configuration is published from before the device is registered
	 * until gnvsec_dellink(): without one the tunnel is going away.
	 */
	if (!rtnl_dereference(tun->cfg))
		return NOTIFY_DONE;
	gnvsec_genl_notify(tun, GNVSEC_CMD_TUNNEL_SET);
	return NOTIFY_DONE;
}

static struct notifier_block gnvsec_netdev_nb = {
	.notifier_call = netdev_event,
};

int gnvsec_events_init(void)
{
	int err;

	err = register_netdevice_notifier(&gnvsec_netdev_nb);
	if (err)
		return err;
	xfrm_register_km(&gnvsec_km);
	return 0;
}

/*
 * Before the tunnels and namespaces go: xfrm_unregister_km() waits for
 * the callbacks running (synchronize_rcu()), so that none queues a work
 * after the namespaces' exits cancelled theirs.
 */
void gnvsec_events_uninit(void)
{
	xfrm_unregister_km(&gnvsec_km);
	unregister_netdevice_notifier(&gnvsec_netdev_nb);
}
