// SPDX-License-Identifier: GPL-2.0
/*
 * UDP sockets: one kernel socket per (namespace, family, port), shared by
 * every tunnel on it, as drivers/net/geneve.c does. Receiving goes through
 * the socket's encap_rcv hook (rx.c); sending uses the socket only as the
 * originator of the outer packets (tx.c).
 */

#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <net/udp_tunnel.h>

#include "gnvsec.h"

static struct socket *create_sock(struct net *net, sa_family_t family,
				  __be16 port)
{
	struct udp_port_cfg conf = {
		.family = family,
		.local_udp_port = port,
		/* Checksums both ways: IPv6 forbids zero UDP checksums. */
		.use_udp_checksums = 1,
		.use_udp6_tx_checksums = 1,
		.use_udp6_rx_checksums = 1,
		.ipv6_v6only = family == AF_INET6,
	};
	struct socket *sock;
	int err;

	err = udp_sock_create(net, &conf, &sock);
	if (err < 0)
		return ERR_PTR(err);

	udp_allow_gso(sock->sk);
	return sock;
}

/* Under RTNL: takes a reference on the socket for (family, port). */
struct gnvsec_sock *gnvsec_sock_get(struct gnvsec_net *gn, sa_family_t family,
				    __be16 port)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = {
		.encap_type = 1,
		.encap_rcv = gnvsec_udp_encap_rcv,
	};
	struct gnvsec_sock *gs;
	struct socket *sock;
	int h;

	ASSERT_RTNL();

	list_for_each_entry(gs, &gn->socks, list) {
		if (gs->family == family && gs->port == port) {
			gs->refcnt++;
			return gs;
		}
	}

	gs = kzalloc(sizeof(*gs), GFP_KERNEL);
	if (!gs)
		return ERR_PTR(-ENOMEM);

	sock = create_sock(gn->net, family, port);
	if (IS_ERR(sock)) {
		kfree(gs);
		return ERR_CAST(sock);
	}

	gs->sock = sock;
	gs->gn = gn;
	gs->refcnt = 1;
	gs->family = family;
	gs->port = port;
	for (h = 0; h < ARRAY_SIZE(gs->vni_hash); h++)
		INIT_HLIST_HEAD(&gs->vni_hash[h]);

	tunnel_cfg.sk_user_data = gs;
	gnvsec_setup_udp_tunnel_sock(gn->net, sock, &tunnel_cfg);
	list_add(&gs->list, &gn->socks);
	return gs;
}

/* Under RTNL: drops a reference; the last one closes the socket. */
void gnvsec_sock_put(struct gnvsec_sock *gs)
{
	ASSERT_RTNL();

	if (--gs->refcnt)
		return;

	list_del(&gs->list);
	/* Clears sk_user_data first: late packets see no gnvsec_sock. */
	gnvsec_udp_tunnel_sock_release(gs->sock);
	kfree_rcu(gs, rcu);
}

/*
 * ESP-in-UDP (RFC 3948) receive needs a UDP socket on the NAT-T port in
 * UDP_ENCAP_ESPINUDP mode: the XFRM input path takes over from there. An
 * IKE daemon normally holds one; where none does, gnvsec opens its own, and
 * where one does (the port is taken), gnvsec uses the daemon's and leaves
 * it alone. Setting the option through the socket's own setsockopt works
 * for both families, as xfrm6_udp_encap_rcv is not exported.
 */
static struct socket *natt_open(struct net *net, sa_family_t family)
{
	struct udp_port_cfg conf = {
		.family = family,
		.local_udp_port = htons(GNVSEC_NATT_PORT),
		.ipv6_v6only = family == AF_INET6,
	};
	int encap = UDP_ENCAP_ESPINUDP;
	struct socket *sock;
	int err;

	err = udp_sock_create(net, &conf, &sock);
	if (err)
		return ERR_PTR(err);

	err = sock->ops->setsockopt(sock, SOL_UDP, UDP_ENCAP,
				    KERNEL_SOCKPTR(&encap), sizeof(encap));
	if (err) {
		gnvsec_udp_tunnel_sock_release(sock);
		return ERR_PTR(err);
	}
	return sock;
}

static bool natt_needed(struct gnvsec_net *gn, sa_family_t family)
{
	const struct gnvsec_cfg *cfg;
	struct gnvsec_tunnel *tun;

	list_for_each_entry(tun, &gn->tunnels, list) {
		cfg = rtnl_dereference(tun->cfg);
		if (cfg && cfg->family == family && gnvsec_encap_forced(cfg, gn))
			return true;
	}
	return false;
}

/*
 * Under RTNL, after any change of tunnels or of the global switch: opens
 * or closes the NAT-T sockets so that one exists per family in use by a
 * tunnel with forced encapsulation. Failing to open one is not fatal: an
 * IKE daemon may hold the port, and without any socket ESP-in-UDP is
 * dropped by the stack, never delivered in clear.
 */
void gnvsec_natt_update(struct gnvsec_net *gn)
{
	static const sa_family_t families[] = { AF_INET, AF_INET6 };
	struct socket *sock;
	int i;

	ASSERT_RTNL();

	for (i = 0; i < ARRAY_SIZE(families); i++) {
		bool need = natt_needed(gn, families[i]);

		if (need && !gn->natt[i]) {
			sock = natt_open(gn->net, families[i]);
			gn->natt_err[i] = IS_ERR(sock) ? PTR_ERR(sock) : 0;
			if (!IS_ERR(sock))
				gn->natt[i] = sock;
		} else if (!need && gn->natt[i]) {
			gnvsec_udp_tunnel_sock_release(gn->natt[i]);
			gn->natt[i] = NULL;
			gn->natt_err[i] = 0;
		} else if (!need) {
			gn->natt_err[i] = 0;
		}
	}
}
