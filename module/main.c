// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsec: an IPsec-aware Geneve tunnel port. Module init and exit only.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>

#include "gnvsec.h"

unsigned int gnvsec_test_hook_delay_us;
module_param_named(test_hook_delay_us, gnvsec_test_hook_delay_us, uint, 0600);
MODULE_PARM_DESC(test_hook_delay_us,
		 "testing only: microseconds to busy-wait in the NAT-T receive hook (0)");

static int __init gnvsec_mod_init(void)
{
	int err;

	err = gnvsec_device_init();
	if (err)
		goto err_device;

	err = gnvsec_events_init();
	if (err)
		goto err_events;

	err = gnvsec_genl_init();
	if (err)
		goto err_netlink;

	pr_info("gnvsec: IPsec-aware Geneve tunnels loaded\n");
	return 0;

err_netlink:
	gnvsec_events_uninit();
err_events:
	gnvsec_device_uninit();
err_device:
	return err;
}

static void __exit gnvsec_mod_exit(void)
{
	/* Configuration first, so nothing can create a tunnel during teardown. */
	gnvsec_genl_uninit();
	/*
	 * Then the event sources: no key manager callback may queue a
	 * namespace's work after its exit (in gnvsec_device_uninit())
	 * cancelled it.
	 */
	gnvsec_events_uninit();
	gnvsec_device_uninit();
}

module_init(gnvsec_mod_init);
module_exit(gnvsec_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPsec-aware Geneve tunnel port");
MODULE_AUTHOR("The gnvsec developers");
MODULE_VERSION(GNVSEC_VERSION);
MODULE_ALIAS_RTNL_LINK("gnvsec");
MODULE_ALIAS_GENL_FAMILY(GNVSEC_GENL_NAME);
