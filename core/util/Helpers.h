// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"

#include <QString>

/// CertRotor's helper programs (the drill's gRPC server and Kubernetes API): installed in
/// <libexecdir>/certrotor and found relative to the running program — the build tree has the same layout —
/// never by a path fixed at build time.
namespace certrotor::helpers {

inline constexpr char kDrillServer[] = "certrotor-drill-server";
inline constexpr char kDrillKubeApi[] = "certrotor-drill-kubeapi";

/// $CERTROTOR_HELPER_DIR when set, else the helpers' directory next to this program's
/// (`<bindir>/../libexec/certrotor` with the default layout). Needs a QCoreApplication.
QString directory();

/// The path of helper `name` in `dir` (directory() when empty), or an Error that names the helper and
/// where it was looked for, in plain words.
Result<QString> find(const QString& name, const QString& dir = {});

} // namespace certrotor::helpers
