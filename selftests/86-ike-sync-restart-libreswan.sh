#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 86-ike-sync-restart against the reconciler's Libreswan backend: the same cases,
# with one pluto per chassis where 86-ike-sync-restart has charon.
IKE_BACKEND=libreswan exec bash "$(dirname "$0")/86-ike-sync-restart.sh"
