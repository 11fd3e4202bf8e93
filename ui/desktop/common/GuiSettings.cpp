// SPDX-License-Identifier: GPL-3.0-or-later
#include "GuiSettings.h"

namespace certrotor::gui {

GuiSettings::GuiSettings() : m_settings(QStringLiteral("CertRotor"), QStringLiteral("certrotor")) { }

int GuiSettings::expiryWarningDays() const
{
    return qBound(1, m_settings.value(QStringLiteral("expiry/warningDays"), 30).toInt(), 3650);
}

void GuiSettings::setExpiryWarningDays(int days)
{
    m_settings.setValue(QStringLiteral("expiry/warningDays"), days);
}

int GuiSettings::debounceMs() const
{
    return qBound(0, m_settings.value(QStringLiteral("watch/debounceMs"), 50).toInt(), 10000);
}

void GuiSettings::setDebounceMs(int ms)
{
    m_settings.setValue(QStringLiteral("watch/debounceMs"), ms);
}

int GuiSettings::probeTimeoutMs() const
{
    return qBound(100, m_settings.value(QStringLiteral("probe/timeoutMs"), 5000).toInt(), 600000);
}

void GuiSettings::setProbeTimeoutMs(int ms)
{
    m_settings.setValue(QStringLiteral("probe/timeoutMs"), ms);
}

int GuiSettings::confirmDeadlineSecs() const
{
    return qBound(5, m_settings.value(QStringLiteral("rotation/confirmDeadlineSecs"), 180).toInt(), 86400);
}

void GuiSettings::setConfirmDeadlineSecs(int secs)
{
    m_settings.setValue(QStringLiteral("rotation/confirmDeadlineSecs"), secs);
}

int GuiSettings::backupsKept() const
{
    return qBound(0, m_settings.value(QStringLiteral("rotation/backupsKept"), 5).toInt(), 100);
}

void GuiSettings::setBackupsKept(int count)
{
    m_settings.setValue(QStringLiteral("rotation/backupsKept"), count);
}

QString GuiSettings::auditLogPath() const
{
    return m_settings.value(QStringLiteral("audit/path")).toString();
}

void GuiSettings::setAuditLogPath(const QString& path)
{
    m_settings.setValue(QStringLiteral("audit/path"), path);
}

ConsoleSettings GuiSettings::console() const
{
    return {
        expiryWarningDays(), debounceMs(), probeTimeoutMs(), confirmDeadlineSecs(), backupsKept(), auditLogPath()
    };
}

void GuiSettings::setConsole(const ConsoleSettings& v)
{
    setExpiryWarningDays(v.expiryWarningDays);
    setDebounceMs(v.debounceMs);
    setProbeTimeoutMs(v.probeTimeoutMs);
    setConfirmDeadlineSecs(v.confirmDeadlineSecs);
    setBackupsKept(v.backupsKept);
    setAuditLogPath(v.auditLogPath);
}

bool GuiSettings::drillOffered() const
{
    return m_settings.value(QStringLiteral("firstRun/drillOffered"), false).toBool();
}

void GuiSettings::setDrillOffered(bool offered)
{
    m_settings.setValue(QStringLiteral("firstRun/drillOffered"), offered);
}

QStringList GuiSettings::stores() const
{
    return m_settings.value(QStringLiteral("workspace/stores")).toStringList();
}

void GuiSettings::setStores(const QStringList& paths)
{
    m_settings.setValue(QStringLiteral("workspace/stores"), paths);
}

QStringList GuiSettings::sources() const
{
    return m_settings.value(QStringLiteral("workspace/sources")).toStringList();
}

void GuiSettings::setSources(const QStringList& specs)
{
    m_settings.setValue(QStringLiteral("workspace/sources"), specs);
}

QByteArray GuiSettings::value(const QString& key) const
{
    return m_settings.value(key).toByteArray();
}

void GuiSettings::setValue(const QString& key, const QByteArray& value)
{
    m_settings.setValue(key, value);
}

} // namespace certrotor::gui
