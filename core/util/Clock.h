// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>

namespace certrotor {

/// The time source. Expiry logic takes a Clock (or a time read from one) instead of calling
/// QDateTime::currentDateTimeUtc(), so tests can set the date.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime nowUtc() const = 0;
    qint64 nowSecs() const { return nowUtc().toSecsSinceEpoch(); }

    /// The wall clock.
    static const Clock& system();
};

/// A clock that says what it is told.
class FixedClock : public Clock
{
public:
    explicit FixedClock(QDateTime now) : m_now(std::move(now)) {}
    QDateTime nowUtc() const override { return m_now; }
    void set(QDateTime now) { m_now = std::move(now); }
    void advanceSecs(qint64 secs) { m_now = m_now.addSecs(secs); }

private:
    QDateTime m_now;
};

/// Whole days from `now` until `until` (negative once past), rounded towards negative infinity.
inline qint64 daysUntil(qint64 now, qint64 until)
{
    const qint64 d = until - now;
    return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

/// ISO 8601 UTC ("2026-11-22T10:00:00Z") for seconds since the epoch.
QString isoUtc(qint64 secs);

} // namespace certrotor
