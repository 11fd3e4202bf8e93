// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>

class QComboBox;
class QLabel;
class QListWidget;

namespace certrotor::gui {

class MessageBanner;
class SecretCatalog;

/// Pick a Secret or ConfigMap: a context of the kubeconfig, one of its namespaces, then an object
/// holding CA material and its key. spec() is "secret://CONTEXT/NAMESPACE/NAME#KEY" or "configmap://…".
class SecretPickerDialog : public QDialog {
    Q_OBJECT
public:
    SecretPickerDialog(SecretCatalog* catalog, QWidget* parent = nullptr);

    QString spec() const;
    QComboBox* contextCombo() const { return m_contexts; }
    QComboBox* namespaceCombo() const { return m_namespaces; }
    QListWidget* secretList() const { return m_secrets; }
    QString errorText() const;

private:
    void loadNamespaces();
    void loadSecrets();
    void showError(const QString& error);

    SecretCatalog* m_catalog = nullptr;
    QComboBox* m_contexts = nullptr;
    QComboBox* m_namespaces = nullptr;
    QListWidget* m_secrets = nullptr;
    MessageBanner* m_error = nullptr;
};

} // namespace certrotor::gui
