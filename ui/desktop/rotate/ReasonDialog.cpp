// SPDX-License-Identifier: GPL-3.0-or-later
#include "ReasonDialog.h"

#include "rotation/RotationPolicy.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace certrotor::gui {

ReasonDialog::ReasonDialog(const QString& action, const QStringList& violations, QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("reasonDialog"));
    setWindowTitle(tr("Override the policy"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("<b>%1</b> breaks these rules:").arg(action.toHtmlEscaped()), this);
    layout->addWidget(intro);
    auto* rules = new QLabel(this);
    rules->setObjectName(QStringLiteral("violationsLabel"));
    rules->setWordWrap(true);
    rules->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rules->setText(QStringLiteral("• ") + violations.join(QStringLiteral("\n• ")));
    layout->addWidget(rules);
    auto* ask = new QLabel(tr("Type why it is safe anyway. The reason goes into the audit log with the rules "
                              "it overrides."),
                           this);
    ask->setWordWrap(true);
    layout->addWidget(ask);
    m_edit = new QLineEdit(this);
    m_edit->setObjectName(QStringLiteral("reasonEdit"));
    m_edit->setPlaceholderText(tr("e.g. CHG-1234: the payments pods are drained and restart after the commit"));
    ask->setBuddy(m_edit);
    layout->addWidget(m_edit);
    m_why = new QLabel(this);
    m_why->setObjectName(QStringLiteral("reasonProblemLabel"));
    m_why->setEnabled(false);
    layout->addWidget(m_why);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Override"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_edit, &QLineEdit::textChanged, this, &ReasonDialog::check);
    check();
    resize(560, sizeHint().height());
}

QString ReasonDialog::reason() const
{
    return m_edit->text().trimmed();
}

void ReasonDialog::check()
{
    const QString problem = rotation::policy::checkOverrideReason(m_edit->text());
    m_why->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

} // namespace certrotor::gui
