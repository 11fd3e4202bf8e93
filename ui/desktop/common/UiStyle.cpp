// SPDX-License-Identifier: GPL-3.0-or-later
#include "UiStyle.h"

#include <QApplication>
#include <QHash>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QStyleFactory>

namespace certrotor::gui {

Urgency urgencyFor(qint64 daysLeft, int thresholdDays)
{
    if (daysLeft < 0)
        return Urgency::Expired;
    if (daysLeft < thresholdDays)
        return Urgency::Soon;
    return Urgency::Fine;
}

QColor urgencyBackground(Urgency u)
{
    switch (u) {
    case Urgency::Expired:
        return QColor(0xb3, 0x26, 0x1e);
    case Urgency::Soon:
        return QColor(0xf2, 0xc9, 0x4c);
    case Urgency::Fine:
        return QColor(0x2e, 0x7d, 0x32);
    }
    return {};
}

QColor urgencyForeground(Urgency u)
{
    return u == Urgency::Soon ? QColor(0x1a, 0x1a, 0x1a) : QColor(Qt::white);
}

QIcon statusLight(const QColor& color)
{
    static QHash<QRgb, QIcon> cache;
    const auto it = cache.constFind(color.rgba());
    if (it != cache.constEnd())
        return *it;
    QIcon icon;
    for (int size : {16, 32}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QPen(color.darker(160), size / 16.0));
        p.setBrush(color);
        const qreal m = size * 0.15;
        p.drawEllipse(QRectF(m, m, size - 2 * m, size - 2 * m));
        p.end();
        icon.addPixmap(pm);
    }
    cache.insert(color.rgba(), icon);
    return icon;
}

QColor severityColor(Finding::Severity severity)
{
    switch (severity) {
    case Finding::Severity::Error:
        return QColor(0xd3, 0x2f, 0x2f);
    case Finding::Severity::Warning:
        return QColor(0xf5, 0xa6, 0x23);
    case Finding::Severity::Info:
        return QColor(0x42, 0x8b, 0xca);
    }
    return {};
}

QIcon findingIcon(Finding::Severity severity)
{
    switch (severity) {
    case Finding::Severity::Error:
        return QIcon(QStringLiteral(":/icons/finding-error.svg"));
    case Finding::Severity::Warning:
        return QIcon(QStringLiteral(":/icons/finding-warning.svg"));
    case Finding::Severity::Info:
        return QIcon(QStringLiteral(":/icons/finding-info.svg"));
    }
    return {};
}

void applyDarkPalette(QApplication& app)
{
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Base, QColor(0x1f, 0x21, 0x24));
    p.setColor(QPalette::AlternateBase, QColor(0x2a, 0x2c, 0x30));
    p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3d, 0x41));
    p.setColor(QPalette::ToolTipText, QColor(0xf0, 0xf0, 0xf0));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    p.setColor(QPalette::Button, QColor(0x35, 0x38, 0x3c));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x6f, 0xb4));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    app.setPalette(p);
}

} // namespace certrotor::gui
