// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>

class QLineEdit;
class QPlainTextEdit;

namespace certrotor::gui {

/// Paste PEM (certificates only) as an inline source with a name.
class PastePemDialog : public QDialog {
    Q_OBJECT
public:
    explicit PastePemDialog(QWidget* parent = nullptr);

    QString name() const;
    QByteArray pem() const;

private:
    QLineEdit* m_name = nullptr;
    QPlainTextEdit* m_pem = nullptr;
};

} // namespace certrotor::gui
