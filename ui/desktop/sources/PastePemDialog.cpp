// SPDX-License-Identifier: GPL-3.0-or-later
#include "PastePemDialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace certrotor::gui {

PastePemDialog::PastePemDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Paste PEM"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_name = new QLineEdit(tr("pasted"), this);
    m_name->setObjectName(QStringLiteral("nameLineEdit"));
    form->addRow(tr("&Name:"), m_name);
    layout->addLayout(form);
    m_pem = new QPlainTextEdit(this);
    m_pem->setObjectName(QStringLiteral("pemPlainTextEdit"));
    m_pem->setPlaceholderText(QStringLiteral("-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----"));
    const QString clip = QApplication::clipboard()->text();
    if (clip.contains(QStringLiteral("-----BEGIN CERTIFICATE-----")))
        m_pem->setPlainText(clip);
    layout->addWidget(m_pem, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(640, 420);
}

QString PastePemDialog::name() const
{
    const QString n = m_name->text().trimmed();
    return n.isEmpty() ? QStringLiteral("pasted") : n;
}

QByteArray PastePemDialog::pem() const
{
    return m_pem->toPlainText().toUtf8();
}

} // namespace certrotor::gui
