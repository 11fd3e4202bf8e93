// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/BuildInfo.h"

#include "certrotor_version.h"

namespace certrotor::buildinfo {

QString version()
{
    return QStringLiteral(CERTROTOR_VERSION);
}

QString gitCommit()
{
    return QStringLiteral(CERTROTOR_GIT_COMMIT);
}

QString buildDate()
{
    return QStringLiteral(CERTROTOR_BUILD_DATE);
}

QString platform()
{
    return QStringLiteral(CERTROTOR_OS "-" CERTROTOR_ARCH);
}

QString versionLine(const QString& program)
{
    return QStringLiteral("%1 %2 (git %3, %4, %5)").arg(program, version(), gitCommit(), buildDate(), platform());
}

QString userAgent()
{
    return QStringLiteral("certrotor/%1 (" CERTROTOR_OS "; " CERTROTOR_ARCH ")").arg(version());
}

QString clientInfo()
{
    return QStringLiteral("version=%1;platform=%2").arg(version(), platform());
}

} // namespace certrotor::buildinfo
