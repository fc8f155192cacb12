#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 85-ike-sync against the reconciler's Libreswan backend: the same cases,
# with one pluto per chassis where 85 has charon.
IKE_BACKEND=libreswan exec bash "$(dirname "$0")/85-ike-sync.sh"
