// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QStringList>

namespace certrotor::gui {

/// The console's persistent settings (QSettings, organisation "CertRotor", application "certrotor").
/// Only paths, specs and numbers live here: never a key, token or passphrase. Pasted PEM is not
/// persisted (it came from the clipboard; the user pastes it again).
class GuiSettings
{
public:
    GuiSettings();

    int expiryWarningDays() const;
    void setExpiryWarningDays(int days);
    int debounceMs() const;
    void setDebounceMs(int ms);

    QStringList stores() const;
    void setStores(const QStringList& paths);
    /// Watched sources: file/directory paths and secret:// specs.
    QStringList sources() const;
    void setSources(const QStringList& specs);

    QByteArray value(const QString& key) const;
    void setValue(const QString& key, const QByteArray& value);

    void sync() { m_settings.sync(); }

private:
    QSettings m_settings;
};

} // namespace certrotor::gui
