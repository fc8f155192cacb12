#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Placeholder for the demo run in the VM by `make demo` (the lead replaces
# it). Runs inside the guest as root, cwd at the repo root.
set -euo pipefail
uname -r
/usr/sbin/ip -br link
