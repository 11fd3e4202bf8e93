// SPDX-License-Identifier: GPL-3.0-or-later
#include "SettingsDialog.h"

#include "ui_SettingsDialog.h"

namespace certrotor::gui {

SettingsDialog::SettingsDialog(QWidget* parent) : QDialog(parent), m_ui(std::make_unique<Ui::SettingsDialog>())
{
    m_ui->setupUi(this);
    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::setValues(int expiryWarningDays, int debounceMs)
{
    m_ui->expiryDaysSpinBox->setValue(expiryWarningDays);
    m_ui->debounceSpinBox->setValue(debounceMs);
}

int SettingsDialog::expiryWarningDays() const
{
    return m_ui->expiryDaysSpinBox->value();
}

int SettingsDialog::debounceMs() const
{
    return m_ui->debounceSpinBox->value();
}

} // namespace certrotor::gui
