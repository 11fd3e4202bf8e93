// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

/// Who is calling: the build-time version header turned into the strings every outgoing request
/// carries (User-Agent, x-client-info) and the --version line.
namespace certrotor::buildinfo {

QString version(); // "0.1.0"
QString gitCommit(); // "1a2b3c4" or "unknown"
QString buildDate(); // "2026-11-22"
QString platform(); // "linux-x86_64"
/// "certrotor-cli 0.1.0 (git 1a2b3c4, 2026-11-22, linux-x86_64)"
QString versionLine(const QString& program);
/// "certrotor/0.1.0 (linux; x86_64)"
QString userAgent();
/// "version=0.1.0;platform=linux-x86_64"
QString clientInfo();

} // namespace certrotor::buildinfo
