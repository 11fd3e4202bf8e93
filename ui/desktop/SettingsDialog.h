// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>

#include <memory>

namespace Ui {
class SettingsDialog;
}

namespace certrotor::gui {

/// Expiry warning threshold and watch debounce (a Designer form, held by composition).
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget* parent = nullptr);
    ~SettingsDialog() override;

    void setValues(int expiryWarningDays, int debounceMs);
    int expiryWarningDays() const;
    int debounceMs() const;

private:
    std::unique_ptr<Ui::SettingsDialog> m_ui;
};

} // namespace certrotor::gui
