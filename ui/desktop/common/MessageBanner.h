// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>

class QAction;
class QHBoxLayout;
class QVBoxLayout;
class QLabel;
class QToolButton;

namespace certrotor::gui {

/// The console's one message strip (KeePassXC's MessageWidget): errors, notices and verdicts appear inline,
/// non-modal, and stay until closed or replaced. Hidden when empty. Colours come from UiStyle's tones.
class MessageBanner : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Info, Warning, Error, Success, Neutral };

    explicit MessageBanner(QWidget* parent = nullptr);

    void showMessage(Kind kind, const QString& text);
    /// With buttons for `actions` beside the text (e.g. "Start a drill"); they go with the message.
    void showMessage(Kind kind, const QString& text, const QList<QAction*>& actions);
    void clearMessage();
    /// The buttons of the message shown (empty when it has none).
    QList<QToolButton*> actionButtons() const { return m_buttons; }

    /// A second, plain line under the text (a verdict's reasons); hidden when empty. A new message clears it.
    void setDetails(const QString& details);
    QString details() const;
    /// The labels, for an owner that names them for its tests or sets their font (never their colours).
    QLabel* textLabel() const { return m_label; }
    QLabel* detailsLabel() const { return m_details; }

    /// Without the close button (a strip that belongs to a dialog or a panel and follows its state).
    void setClosable(bool closable);
    Kind kind() const { return m_kind; }
    QString text() const;

private:
    Kind m_kind = Kind::Info;
    QLabel* m_label = nullptr;
    QLabel* m_details = nullptr;
    QToolButton* m_close = nullptr;
    QHBoxLayout* m_actions = nullptr;
    QList<QToolButton*> m_buttons;
};

} // namespace certrotor::gui
