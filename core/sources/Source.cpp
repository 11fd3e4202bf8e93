// SPDX-License-Identifier: GPL-3.0-or-later
#include "sources/Source.h"

namespace certrotor {

QString Source::statusName(Status status)
{
    switch (status) {
    case Status::Idle:
        return QStringLiteral("idle");
    case Status::Watching:
        return QStringLiteral("watching");
    case Status::Reconnecting:
        return QStringLiteral("reconnecting");
    case Status::Error:
        return QStringLiteral("error");
    }
    return {};
}

void Source::setStatus(Status status, const QString& error)
{
    if (status == m_status && error == m_lastError)
        return;
    m_status = status;
    m_lastError = error;
    Q_EMIT statusChanged(status, error);
}

void Source::deliver(SourceUpdate update)
{
    m_current = update;
    Q_EMIT updated(m_current);
}

} // namespace certrotor
