// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace certrotor::gui {

/// Asks for the typed reason an override needs (never a plain "OK"): the rules it overrides are listed,
/// and OK stays disabled until the reason passes the core's rule (policy::checkOverrideReason), whose
/// words show under the field. Opened with open(); the reason is read on accepted().
class ReasonDialog : public QDialog {
    Q_OBJECT
public:
    ReasonDialog(const QString& action, const QStringList& violations, QWidget* parent = nullptr);

    QString reason() const;
    QLineEdit* reasonEdit() const { return m_edit; }
    QDialogButtonBox* buttons() const { return m_buttons; }

private:
    void check();

    QLineEdit* m_edit = nullptr;
    QLabel* m_why = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace certrotor::gui
