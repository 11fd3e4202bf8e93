// SPDX-License-Identifier: GPL-3.0-or-later
#include "MessageBanner.h"

#include "UiStyle.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

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
    m_details = new QLabel(this);
    m_details->setObjectName(QStringLiteral("messageDetailsLabel"));
    m_details->setWordWrap(true);
    m_details->setTextFormat(Qt::PlainText);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->hide();
    m_close = new QToolButton(this);
    m_close->setObjectName(QStringLiteral("closeMessageToolButton"));
    m_close->setAutoRaise(true);
    m_close->setText(QStringLiteral("✕"));
    m_close->setToolTip(tr("Close this message"));
    m_actions = new QHBoxLayout;
    auto* texts = new QVBoxLayout;
    texts->setContentsMargins(0, 0, 0, 0);
    texts->addWidget(m_label);
    texts->addWidget(m_details);
    layout->addLayout(texts, 1);
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
    m_label->show();
    m_details->clear();
    m_details->hide();
    const Tone tone = kind == Kind::Info ? Tone::Info
        : kind == Kind::Warning          ? Tone::Warning
        : kind == Kind::Error            ? Tone::Error
        : kind == Kind::Success          ? Tone::Success
                                         : Tone::Neutral;
    setStyleSheet(toneStyleSheet(objectName(), tone));
    show();
}

void MessageBanner::clearMessage()
{
    // The labels hide with the strip, so that a label found by name says whether a message is shown.
    m_label->clear();
    m_label->hide();
    m_details->clear();
    m_details->hide();
    for (QToolButton* b : std::exchange(m_buttons, {}))
        b->deleteLater(); // it may be the one being clicked
    hide();
}

void MessageBanner::setDetails(const QString& details)
{
    m_details->setText(details);
    m_details->setVisible(!details.isEmpty());
}

QString MessageBanner::details() const
{
    return m_details->text();
}

void MessageBanner::setClosable(bool closable)
{
    m_close->setVisible(closable);
}

QString MessageBanner::text() const
{
    return m_label->text();
}

} // namespace certrotor::gui
