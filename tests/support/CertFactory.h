// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The tests' certificates come from the product's own PKI generator (core/pki), the one the drill
// builds its sandbox with: one piece of code, reachable as certrotor::test::issue() etc. in tests.
#include "pki/CertFactory.h"

namespace certrotor::test {
using namespace certrotor::pki;
} // namespace certrotor::test
