#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 88-ike-mesh against the reconciler's Libreswan backend: the same cases,
# with one pluto per chassis where 88-ike-mesh has charon.
IKE_BACKEND=libreswan exec bash "$(dirname "$0")/88-ike-mesh.sh"
