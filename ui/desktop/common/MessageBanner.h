// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>

class QAction;
class QHBoxLayout;
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
    /// With buttons for `actions` beside the text (e.g. "Start a drill"); they go with the message.
    void showMessage(Kind kind, const QString& text, const QList<QAction*>& actions);
    void clearMessage();
    /// The buttons of the message shown (empty when it has none).
    QList<QToolButton*> actionButtons() const { return m_buttons; }

    Kind kind() const { return m_kind; }
    QString text() const;

private:
    Kind m_kind = Kind::Info;
    QLabel* m_label = nullptr;
    QToolButton* m_close = nullptr;
    QHBoxLayout* m_actions = nullptr;
    QList<QToolButton*> m_buttons;
};

} // namespace certrotor::gui
