// SPDX-License-Identifier: GPL-3.0-or-later
#include "SettingsDialog.h"

#include "ui_SettingsDialog.h"

#include <QDir>
#include <QPushButton>

namespace certrotor::gui {

SettingsDialog::SettingsDialog(QWidget* parent) : QDialog(parent), m_ui(std::make_unique<Ui::SettingsDialog>())
{
    m_ui->setupUi(this);
    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_ui->auditLogEdit, &QLineEdit::textChanged, this, &SettingsDialog::check);
    check();
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::setValues(const ConsoleSettings& v)
{
    m_ui->expiryDaysSpinBox->setValue(v.expiryWarningDays);
    m_ui->debounceSpinBox->setValue(v.debounceMs);
    m_ui->probeTimeoutSpinBox->setValue(v.probeTimeoutMs);
    m_ui->confirmDeadlineSpinBox->setValue(v.confirmDeadlineSecs);
    m_ui->backupsKeptSpinBox->setValue(v.backupsKept);
    m_ui->auditLogEdit->setText(v.auditLogPath);
    check();
}

ConsoleSettings SettingsDialog::values() const
{
    return { m_ui->expiryDaysSpinBox->value(),   m_ui->debounceSpinBox->value(),
             m_ui->probeTimeoutSpinBox->value(), m_ui->confirmDeadlineSpinBox->value(),
             m_ui->backupsKeptSpinBox->value(),  m_ui->auditLogEdit->text().trimmed() };
}

QString SettingsDialog::checkAuditLogPath(const QString& raw)
{
    const QString path = raw.trimmed();
    if (path.isEmpty())
        return {};
    if (!QDir::isAbsolutePath(path))
        return tr("give an absolute path (it is opened at start, from any directory)");
    if (path.endsWith(QLatin1Char('/')))
        return tr("name a file, not a directory");
    return {};
}

void SettingsDialog::check()
{
    const QString problem = checkAuditLogPath(m_ui->auditLogEdit->text());
    m_ui->auditLogProblemLabel->setText(problem);
    m_ui->auditLogProblemLabel->setVisible(!problem.isEmpty());
    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

} // namespace certrotor::gui
