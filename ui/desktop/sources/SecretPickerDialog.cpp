// SPDX-License-Identifier: GPL-3.0-or-later
#include "SecretPickerDialog.h"

#include "MessageBanner.h"
#include "SecretCatalog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace certrotor::gui {

SecretPickerDialog::SecretPickerDialog(SecretCatalog* catalog, QWidget* parent) : QDialog(parent), m_catalog(catalog)
{
    setWindowTitle(tr("Watch a Kubernetes Secret or ConfigMap"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_contexts = new QComboBox(this);
    m_contexts->setObjectName(QStringLiteral("contextComboBox"));
    m_namespaces = new QComboBox(this);
    m_namespaces->setObjectName(QStringLiteral("namespaceComboBox"));
    m_namespaces->setEditable(true); // a user without "list namespaces" rights can type one
    form->addRow(tr("&Context:"), m_contexts);
    form->addRow(tr("&Namespace:"), m_namespaces);
    layout->addLayout(form);
    m_secrets = new QListWidget(this);
    m_secrets->setObjectName(QStringLiteral("secretListWidget"));
    layout->addWidget(new QLabel(tr("Secrets and ConfigMaps holding CA material (one line per key):"), this));
    layout->addWidget(m_secrets, 1);
    m_error = new MessageBanner(this);
    m_error->setObjectName(QStringLiteral("errorBanner"));
    m_error->setClosable(false);
    layout->addWidget(m_error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_secrets, &QListWidget::currentRowChanged, this,
            [buttons](int row) { buttons->button(QDialogButtonBox::Ok)->setEnabled(row >= 0); });
    connect(m_contexts, &QComboBox::currentTextChanged, this, &SecretPickerDialog::loadNamespaces);
    connect(m_namespaces, &QComboBox::currentTextChanged, this, &SecretPickerDialog::loadSecrets);
    resize(520, 420);

    m_catalog->listContexts(this, [this](QStringList contexts, QString current, QString error) {
        if (!error.isEmpty())
            showError(error);
        const QSignalBlocker block(m_contexts);
        m_contexts->addItems(contexts);
        if (!current.isEmpty())
            m_contexts->setCurrentText(current);
        loadNamespaces();
    });
}

QString SecretPickerDialog::errorText() const
{
    return m_error->text();
}

void SecretPickerDialog::showError(const QString& error)
{
    if (error.isEmpty())
        m_error->clearMessage();
    else
        m_error->showMessage(MessageBanner::Kind::Error, error);
}

void SecretPickerDialog::loadNamespaces()
{
    const QString ctx = m_contexts->currentText();
    if (ctx.isEmpty())
        return;
    m_catalog->listNamespaces(ctx, this, [this, ctx](QStringList namespaces, QString error) {
        if (ctx != m_contexts->currentText())
            return; // the user moved on
        showError(error);
        const QSignalBlocker block(m_namespaces);
        m_namespaces->clear();
        m_namespaces->addItems(namespaces);
        loadSecrets();
    });
}

void SecretPickerDialog::loadSecrets()
{
    const QString ctx = m_contexts->currentText();
    const QString ns = m_namespaces->currentText();
    m_secrets->clear();
    if (ctx.isEmpty() || ns.isEmpty())
        return;
    m_catalog->listCaObjects(ctx, ns, this, [this, ctx, ns](QList<SecretEntry> objects, QString error) {
        if (ctx != m_contexts->currentText() || ns != m_namespaces->currentText())
            return;
        showError(error);
        m_secrets->clear();
        for (const SecretEntry& o : objects) {
            for (const QString& key : o.keys) {
                // The kind leads the line, so Secrets and ConfigMaps of one name stay apart.
                const QString kind = kube::KubeObjectRef::kindName(o.kind);
                auto* item = new QListWidgetItem(kind + QStringLiteral("  ") + o.name + QStringLiteral("  #") + key,
                                                 m_secrets);
                item->setData(Qt::UserRole, kube::KubeObjectRef { o.kind, ctx, ns, o.name, key }.toUri());
            }
        }
    });
}

QString SecretPickerDialog::spec() const
{
    const QListWidgetItem* item = m_secrets->currentItem();
    return item ? item->data(Qt::UserRole).toString() : QString();
}

} // namespace certrotor::gui
