// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "GuiSettings.h"

#include <QDialog>

#include <memory>

namespace Ui {
class SettingsDialog;
}

namespace certrotor::gui {

/// The console's settings: expiry warning threshold, watch debounce, probe timeout, confirm deadline, backups
/// kept, audit log path (a Designer form, held by composition). OK stays disabled while a value is invalid.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget* parent = nullptr);
    ~SettingsDialog() override;

    void setValues(const ConsoleSettings& values);
    ConsoleSettings values() const;
    /// "" when the audit log path is acceptable (empty, or an absolute path to a file), else why not.
    static QString checkAuditLogPath(const QString& path);

private:
    void check();

    std::unique_ptr<Ui::SettingsDialog> m_ui;
};

} // namespace certrotor::gui
