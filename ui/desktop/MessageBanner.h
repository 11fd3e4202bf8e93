// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>

class QLabel;
class QToolButton;

namespace certrotor::gui {

/// An inline, non-modal message strip (KeePassXC's MessageWidget): errors and notices appear above
/// the content and stay until closed or replaced. Hidden when empty.
class MessageBanner : public QFrame
{
    Q_OBJECT
public:
    enum class Kind { Info, Warning, Error };

    explicit MessageBanner(QWidget* parent = nullptr);

    void showMessage(Kind kind, const QString& text);
    void clearMessage();

    Kind kind() const { return m_kind; }
    QString text() const;

private:
    Kind m_kind = Kind::Info;
    QLabel* m_label = nullptr;
    QToolButton* m_close = nullptr;
};

} // namespace certrotor::gui
