// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QStringList>

namespace certrotor::gui {

/// What the settings dialog edits (every one a number or a path: never a secret).
struct ConsoleSettings {
    int expiryWarningDays = 30;
    int debounceMs = 50;
    int probeTimeoutMs = 5000;
    int confirmDeadlineSecs = 180;
    int backupsKept = 5;
    QString auditLogPath; // "" = $CERTROTOR_AUDIT_LOG, else the default under ~/.local/share/certrotor

    bool operator==(const ConsoleSettings&) const = default;
};

/// The console's persistent settings (QSettings, organisation "CertRotor", application "certrotor").
/// Only paths, specs and numbers live here: never a key, token or passphrase. Pasted PEM is not
/// persisted (it came from the clipboard; the user pastes it again).
class GuiSettings {
public:
    GuiSettings();

    int expiryWarningDays() const;
    void setExpiryWarningDays(int days);
    int debounceMs() const;
    void setDebounceMs(int ms);

    int probeTimeoutMs() const;
    void setProbeTimeoutMs(int ms);
    int confirmDeadlineSecs() const;
    void setConfirmDeadlineSecs(int secs);
    int backupsKept() const;
    void setBackupsKept(int count);
    QString auditLogPath() const;
    void setAuditLogPath(const QString& path);
    /// All of the above at once (the dialog's values).
    ConsoleSettings console() const;
    void setConsole(const ConsoleSettings& values);
    /// The first start offers a drill once.
    bool drillOffered() const;
    void setDrillOffered(bool offered);

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
