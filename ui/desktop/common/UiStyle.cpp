// SPDX-License-Identifier: GPL-3.0-or-later
#include "UiStyle.h"

#include <QApplication>
#include <QGuiApplication>
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

bool paletteIsDark()
{
    const QPalette p = QGuiApplication::palette();
    return p.color(QPalette::Window).lightness() < p.color(QPalette::WindowText).lightness();
}

QColor toneBackground(Tone tone)
{
    const bool dark = paletteIsDark();
    switch (tone) {
    case Tone::Info:
        return dark ? QColor(0x17, 0x3f, 0x63) : QColor(0x1e, 0x4f, 0x7a);
    case Tone::Warning:
        return dark ? QColor(0xd9, 0xb0, 0x3c) : QColor(0xf2, 0xc9, 0x4c);
    case Tone::Error:
        return dark ? QColor(0x93, 0x1f, 0x19) : QColor(0xb3, 0x26, 0x1e);
    case Tone::Success:
        return dark ? QColor(0x25, 0x66, 0x29) : QColor(0x2e, 0x7d, 0x32);
    case Tone::Neutral:
        return dark ? QColor(0x48, 0x4b, 0x50) : QColor(0x5f, 0x63, 0x68);
    }
    return {};
}

QColor toneForeground(Tone tone)
{
    return tone == Tone::Warning ? QColor(0x1a, 0x1a, 0x1a) : QColor(Qt::white);
}

QString toneStyleSheet(const QString& objectName, Tone tone)
{
    return QStringLiteral("#%1 { background: %2; border-radius: 4px; } #%1 QLabel { color: %3; }")
        .arg(objectName, toneBackground(tone).name(), toneForeground(tone).name());
}

QColor accentColor(Accent accent)
{
    switch (accent) {
    case Accent::Renewed:
        return QColor(0x7b, 0x4f, 0xc9);
    case Accent::OldCa:
        return QColor(0xd9, 0x54, 0x3f);
    case Accent::NewCa:
        return QColor(0x2f, 0x80, 0xed);
    case Accent::Muted:
        return QColor(0x8a, 0x94, 0x9e);
    case Accent::Overlap:
        return QColor(0x3c, 0xb3, 0x71);
    case Accent::WarningLine:
        return QColor(0xf2, 0xa9, 0x00);
    }
    return {};
}

QColor urgencyBackground(Urgency u)
{
    switch (u) {
    case Urgency::Expired:
        return toneBackground(Tone::Error);
    case Urgency::Soon:
        return toneBackground(Tone::Warning);
    case Urgency::Fine:
        return toneBackground(Tone::Success);
    }
    return {};
}

QColor urgencyForeground(Urgency u)
{
    return toneForeground(u == Urgency::Expired ? Tone::Error : u == Urgency::Soon ? Tone::Warning : Tone::Success);
}

QIcon statusLight(const QColor& color)
{
    static QHash<QRgb, QIcon> cache;
    const auto it = cache.constFind(color.rgba());
    if (it != cache.constEnd())
        return *it;
    QIcon icon;
    for (int size : { 16, 32 }) {
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
