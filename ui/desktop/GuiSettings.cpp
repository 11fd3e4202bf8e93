// SPDX-License-Identifier: GPL-3.0-or-later
#include "GuiSettings.h"

namespace certrotor::gui {

GuiSettings::GuiSettings() : m_settings(QStringLiteral("CertRotor"), QStringLiteral("certrotor")) {}

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
