// SPDX-License-Identifier: GPL-3.0-or-later
#include "MessageBanner.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

#include <utility>

namespace certrotor::gui {

MessageBanner::MessageBanner(QWidget* parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("messageBanner"));
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    m_label = new QLabel(this);
    m_label->setObjectName(QStringLiteral("messageLabel"));
    m_label->setWordWrap(true);
    m_label->setTextFormat(Qt::PlainText);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_close = new QToolButton(this);
    m_close->setObjectName(QStringLiteral("closeMessageToolButton"));
    m_close->setAutoRaise(true);
    m_close->setText(QStringLiteral("✕"));
    m_close->setToolTip(tr("Close this message"));
    m_actions = new QHBoxLayout;
    layout->addWidget(m_label, 1);
    layout->addLayout(m_actions);
    layout->addWidget(m_close, 0, Qt::AlignTop);
    connect(m_close, &QToolButton::clicked, this, &MessageBanner::clearMessage);
    hide();
}

void MessageBanner::showMessage(Kind kind, const QString& text, const QList<QAction*>& actions)
{
    showMessage(kind, text);
    for (QAction* a : actions) {
        auto* b = new QToolButton(this);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        b->setObjectName(a->objectName() + QStringLiteral("BannerButton"));
        // Acting on the message answers it.
        connect(b, &QToolButton::clicked, this, &MessageBanner::clearMessage);
        m_actions->addWidget(b);
        m_buttons << b;
    }
}

void MessageBanner::showMessage(Kind kind, const QString& text)
{
    for (QToolButton* b : std::exchange(m_buttons, {}))
        b->deleteLater();
    m_kind = kind;
    m_label->setText(text);
    // Fixed text/background pairs: readable in light and dark palettes alike.
    const char* style = "";
    switch (kind) {
    case Kind::Info:
        style = "QFrame#messageBanner { background: #1e4f7a; border-radius: 4px; } QLabel { color: #ffffff; }";
        break;
    case Kind::Warning:
        style = "QFrame#messageBanner { background: #f2c94c; border-radius: 4px; } QLabel { color: #1a1a1a; }";
        break;
    case Kind::Error:
        style = "QFrame#messageBanner { background: #b3261e; border-radius: 4px; } QLabel { color: #ffffff; }";
        break;
    }
    setStyleSheet(QString::fromLatin1(style));
    show();
}

void MessageBanner::clearMessage()
{
    m_label->clear();
    for (QToolButton* b : std::exchange(m_buttons, {}))
        b->deleteLater(); // it may be the one being clicked
    hide();
}

QString MessageBanner::text() const
{
    return m_label->text();
}

} // namespace certrotor::gui
