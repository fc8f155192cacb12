#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 87-ike-auth against the reconciler's Libreswan backend: the same cases,
# with one pluto per chassis where 87-ike-auth has charon.
IKE_BACKEND=libreswan exec bash "$(dirname "$0")/87-ike-auth.sh"
