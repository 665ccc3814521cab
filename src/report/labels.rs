//! Labels of the workbook and the statements, in English and Russian (`--lang en|ru`).
//!
//! Every label a person reads goes through [`Labels::get`], keyed by a stable English key, so a
//! new label is added in one place for both languages.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    /// The language's code, as schemes write names in it (`name: { en: …, ru: … }`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }
}

/// (key = English text, Russian text).
const TABLE: &[(&str, &str)] = &[
    ("employee_id", "табельный номер"),
    ("name", "имя"),
    ("team", "команда"),
    ("scheme", "схема"),
    ("currency", "валюта"),
    ("period", "период"),
    ("target bonus", "целевой бонус"),
    ("proration", "пропорция по дням"),
    ("KPI", "KPI"),
    ("progress", "ход месяца"),
    (
        "as of {date}: {elapsed} of {days} working days, {remaining} remain; the figures are so far, and this statement is not a payout",
        "на {date}: прошло {elapsed} из {days} рабочих дней, осталось {remaining}; цифры на сегодня, это не выплата",
    ),
    ("done", "сделано"),
    ("at this pace", "в этом темпе"),
    ("to the threshold", "до порога"),
    ("a day", "в день"),
    ("to the target", "до цели"),
    ("to the discuss line", "до линии обсуждения"),
    ("metric", "метрика"),
    ("actual", "факт"),
    ("target", "цель"),
    ("attainment", "выполнение"),
    ("band", "диапазон"),
    ("curve segment", "участок кривой"),
    ("factor", "коэффициент"),
    ("weight", "вес"),
    ("amount", "сумма"),
    ("total", "итого"),
    ("flags", "отметки"),
    ("observation: not paid", "наблюдение: не выплачивается"),
    ("of employees × periods", "от сотрудников × периодов"),
    (
        "the best possible result: the curve's maximum",
        "лучший возможный результат: максимум кривой",
    ),
    ("Comparison", "Сравнение"),
    ("Totals", "Итоги"),
    ("Calibration", "Калибровка"),
    (
        "candidate scheme against the schemes people are paid on",
        "схема-кандидат против текущих схем",
    ),
    ("current", "сейчас"),
    ("current cost", "затраты сейчас"),
    ("candidate cost", "затраты по кандидату"),
    ("gain", "выигрывают"),
    ("lose", "теряют"),
    ("same", "без изменений"),
    ("all periods", "все периоды"),
    ("cost factor", "коэффициент затрат"),
    ("what it means", "что это значит"),
    (
        "multiply every target bonus by this factor and the candidate costs what today's schemes cost (before cents are rounded)",
        "умножьте каждый целевой бонус на этот коэффициент, и кандидат будет стоить столько же, сколько текущие схемы (до округления до копеек)",
    ),
    (
        "the candidate pays nothing: no factor can match today's cost",
        "кандидат ничего не выплачивает: никакой коэффициент не сравняет затраты",
    ),
    ("change of pay", "изменение выплаты"),
    ("employees × periods", "сотрудники × периоды"),
    ("largest losses", "наибольшие потери"),
    ("payout cost per period", "затраты на выплаты по периодам"),
    (
        "distribution of the change of pay",
        "распределение изменений выплаты",
    ),
    ("below -30%", "ниже −30%"),
    ("-30% to -20%", "от −30% до −20%"),
    ("-20% to -10%", "от −20% до −10%"),
    ("-10% to 0%", "от −10% до 0%"),
    ("no change", "без изменений"),
    ("0% to +10%", "от 0% до +10%"),
    ("+10% to +20%", "от +10% до +20%"),
    ("+20% to +30%", "от +20% до +30%"),
    ("above +30%", "выше +30%"),
    ("min", "минимум"),
    ("25th percentile", "25-й перцентиль"),
    ("median", "медиана"),
    ("75th percentile", "75-й перцентиль"),
    ("max", "максимум"),
    ("below the threshold", "ниже порога"),
    ("above the discuss line", "выше линии обсуждения"),
    ("median attainment", "медианное выполнение"),
    (
        "factor on the target for the median to reach 100%",
        "множитель цели, при котором медиана даёт 100%",
    ),
    ("suggested target", "предлагаемая цель"),
    ("verdict", "вывод"),
    ("target too low", "цель занижена"),
    ("target too high", "цель завышена"),
    ("no one reaches the threshold", "никто не достигает порога"),
    (
        "pay falls by more than 20%",
        "выплата падает более чем на 20%",
    ),
    ("changed scheme", "сменил схему"),
    ("what it saw", "что замечено"),
    ("plan", "план"),
    ("in observation, would pay", "в наблюдении, выплатило бы"),
    ("Observation", "Наблюдение"),
    ("candidate scheme", "схема-кандидат"),
    ("paid", "выплата"),
    ("candidate", "по кандидату"),
    ("delta", "разница"),
    ("delta %", "разница, %"),
    ("attainment, paid scheme", "выполнение по текущей схеме"),
    ("attainment, candidate", "выполнение по кандидату"),
    (
        "a candidate scheme, computed beside the paid one and never paid; payroll.csv is not affected",
        "схема-кандидат считается рядом с текущей и не выплачивается; payroll.csv не меняется",
    ),
    ("source rows", "исходных строк"),
    ("reason", "причина"),
    ("review: below threshold", "разбор: ниже порога"),
    (
        "discuss: star or low plan",
        "поговорить: звезда или заниженный план",
    ),
    ("no data", "нет данных"),
    ("not employed in the period", "не работал в периоде"),
    // statement
    ("Bonus statement", "Расчёт бонуса"),
    ("Statement", "Расчёт"),
    ("Source rows", "Исходные строки"),
    ("place", "место"),
    ("place {place} of {n}", "место {place} из {n}"),
    ("explanation", "пояснение"),
    ("chart data", "данные диаграммы"),
    ("100% line", "линия 100%"),
    ("attainment against 100%", "выполнение относительно 100%"),
    ("row", "строка"),
    ("date", "дата"),
    ("count", "количество"),
    ("yes", "да"),
    ("for KPI: {kpis}", "для KPI: {kpis}"),
    ("table {table}, rows: {n}", "таблица {table}, строк: {n}"),
    (
        "the team's figure, from {n} rows of everyone with your team; colleagues' rows are not shown",
        "показатель команды, по {n} строкам всех, кто в вашей команде; строки коллег не показываются",
    ),
    (
        "the figure of you and everyone reporting to you, from {n} rows; their rows are not shown",
        "показатель ваш и всех ваших подчинённых, по {n} строкам; их строки не показываются",
    ),
    (
        "{n} of {total} {rows} of {metric}: marked in its column {column}",
        "{n} из {total} {rows} {metric}: с отметкой в её столбце {column}",
    ),
    (
        "{actual} of plan {target} = {att}",
        "{actual} при плане {target} = {att}",
    ),
    (
        "{actual} of target {target} = {att}",
        "{actual} при цели {target} = {att}",
    ),
    (
        "{actual} against target {target}, lower is better = {att}",
        "{actual} при цели {target}, чем меньше, тем лучше = {att}",
    ),
    ("{actual} of target {target}", "{actual} при цели {target}"),
    (
        "{actual} against target {target}: the best possible result",
        "{actual} при цели {target}: лучший возможный результат",
    ),
    (
        "pays {factor} of the {weight} weight",
        "выплата {factor} от веса {weight}",
    ),
    ("the cap", "максимум"),
    ("below {pct}: pays nothing", "ниже {pct}: не выплачивается"),
    ("no data: pays nothing", "нет данных: не выплачивается"),
    ("no target: pays nothing", "нет цели: не выплачивается"),
    (
        "target is 0: pays nothing",
        "цель равна 0: не выплачивается",
    ),
    (
        "not employed in the period ({days}): pays nothing",
        "не работал в периоде ({days}): не выплачивается",
    ),
    ("below", "ниже"),
    ("above", "выше"),
    // shared: bands and curve segments in words
    ("no attainment", "нет выполнения"),
    ("pays nothing", "не выплачивается"),
    ("pays 1:1", "выплата 1:1"),
    ("per 1%", "за 1%"),
    ("flat at", "без роста, на уровне"),
    ("capped at", "не более"),
    ("from", "от"),
    ("flat", "без роста"),
    ("top 3", "тройка лучших"),
    // workbook
    ("Bonus payouts", "Выплаты бонусов"),
    ("Summary", "Сводка"),
    ("Breakdown", "Расшифровка"),
    ("Flags", "Отметки"),
    ("Data report", "Отчёт о данных"),
    ("Audit", "Аудит"),
    ("KPI name", "название KPI"),
    ("days employed", "дней работы"),
    ("days in period", "дней в периоде"),
    ("flag", "отметка"),
    ("warning", "предупреждение"),
    ("warnings", "предупреждения"),
    (
        "The CRM export read through the mapping {name}: every source row, kept or dropped",
        "Выгрузка CRM, прочитанная через сопоставление {name}: каждая строка источника, взятая или отброшенная",
    ),
    ("source", "источник"),
    ("use", "назначение"),
    ("kept", "взято"),
    ("dropped", "отброшено"),
    (
        "check: read = kept + dropped",
        "проверка: прочитано = взято + отброшено",
    ),
    ("dropped, by reason", "отброшено, по причинам"),
    ("rows of the {table} table", "строки таблицы {table}"),
    (
        "the {table} table, read as it is",
        "таблица {table}, как есть",
    ),
    ("looked up: {what}", "справочник: {what}"),
    (
        "links CRM users to the roster",
        "связь пользователей CRM со списком сотрудников",
    ),
    ("employees", "сотрудников"),
    ("(no team)", "(без команды)"),
    ("totals per scheme", "итого по схемам"),
    ("totals per team", "итого по командам"),
    (
        "not employed on any day of the period ({days}): nothing is paid",
        "не работал ни дня в периоде ({days}): ничего не платится",
    ),
    (
        "attainment {a} is below {line}: review, and talk about why",
        "выполнение {a} ниже {line}: разобрать и обсудить причины",
    ),
    (
        "attainment {a} is above {line}: a star, or a plan set too low; talk",
        "выполнение {a} выше {line}: звезда или заниженный план; поговорить",
    ),
    (
        "the actual could not be computed (a zero divisor: no deals, an empty book, no answers): pays nothing",
        "факт не вычислен (деление на ноль: нет сделок, пустой портфель, нет ответов): не платится",
    ),
    (
        "a spreadsheet's ROUND over the Breakdown cells gives {sheet}, the exact amount is {exact}; the exact amount is paid and shown",
        "ROUND в таблице по ячейкам расшифровки даёт {sheet}, точная сумма {exact}; выплачивается и показана точная сумма",
    ),
    ("table", "таблица"),
    ("location", "где"),
    ("present", "есть"),
    ("used", "используется"),
    ("no", "нет"),
    ("rows read", "строк прочитано"),
    ("text encoding", "кодировка текста"),
    ("rows in the period", "строк в периоде"),
    ("rows outside the period", "строк вне периода"),
    (
        "rows of people not on the roster",
        "строк людей не из списка сотрудников",
    ),
    ("people not on the roster", "люди не из списка сотрудников"),
    (
        "check: read = in the period + outside + not on the roster",
        "проверка: прочитано = в периоде + вне периода + не из списка",
    ),
    ("rows: {n}", "строк: {n}"),
    ("amounts: {sum}", "суммы: {sum}"),
    ("item", "пункт"),
    ("value", "значение"),
    ("detail", "пояснение"),
    ("tool version", "версия программы"),
    ("command", "команда"),
    ("data", "данные"),
    ("schemes folder", "папка схем"),
    ("number of employees", "число сотрудников"),
    ("grand total", "общий итог"),
    ("total of scheme", "итого по схеме"),
    ("total in currency", "итого в валюте"),
    ("payroll.csv sum", "сумма payroll.csv"),
    (
        "the amount column of payroll.csv, added up",
        "сумма столбца amount в payroll.csv",
    ),
    (
        "control: payroll.csv sum = Summary total",
        "контроль: сумма payroll.csv = итог сводки",
    ),
    ("file", "файл"),
    ("path", "путь"),
    ("scheme file", "файл схемы"),
    ("data file", "файл данных"),
    // the month-end close: payout lines, the Adjustments sheet, statements
    ("cap on the bonus", "ограничение бонуса"),
    ("guarantee top-up", "доплата до гарантии"),
    ("guarantee recovery", "возврат гарантии"),
    ("true-up of a closed period", "перерасчёт закрытого периода"),
    ("correction", "корректировка"),
    ("one-off payment", "разовая выплата"),
    ("clawback", "удержание"),
    ("other", "прочее"),
    (
        "cut to the cap of {share} of target bonus ({limit})",
        "уменьшено до предела {share} целевого бонуса ({limit})",
    ),
    (
        "guaranteed minimum {share} of target bonus for {days} of {from}..{until}: {minimum}",
        "гарантированный минимум {share} целевого бонуса за {days} периода гарантии {from}..{until}: {minimum}",
    ),
    (
        "guarantee recovered: balance {opening} → {closing}",
        "возврат гарантии: остаток {opening} → {closing}",
    ),
    (
        "guarantee {share} for {months} from {from}",
        "гарантия {share} на {months} с {from}",
    ),
    ("scheme rule ({rule})", "правило схемы ({rule})"),
    (
        "true-up of {period} (final run {run})",
        "перерасчёт {period} (итоговый расчёт {run})",
    ),
    ("{place}, row {row}", "{place}, строка {row}"),
    ("Adjustments", "Корректировки"),
    ("bonus", "бонус"),
    ("adjustments", "корректировки"),
    ("to be paid", "к выплате"),
    ("kind", "вид"),
    ("code", "код"),
    ("approved_by", "кем одобрено"),
    ("reference", "ссылка"),
    ("note", "примечание"),
    (
        "no adjustments this period: every payout is its bonus",
        "в этом периоде корректировок нет: каждая выплата равна бонусу",
    ),
    ("guarantees", "гарантии"),
    ("guarantee from", "гарантия с"),
    ("guarantee until", "гарантия по"),
    ("guaranteed days", "дней гарантии"),
    ("minimum", "минимум"),
    ("recoverable", "возвратная"),
    ("opening balance", "остаток на начало"),
    ("top-up", "доплата"),
    ("recovered", "возвращено"),
    ("closing balance", "остаток на конец"),
    ("bonus total", "итого бонусов"),
    ("adjustments total", "итого корректировок"),
    ("payroll.csv bonus sum", "сумма bonus в payroll.csv"),
    (
        "payroll.csv adjustments sum",
        "сумма adjustments в payroll.csv",
    ),
    (
        "the bonus column of payroll.csv, added up",
        "сумма столбца bonus в payroll.csv",
    ),
    (
        "the adjustments column of payroll.csv, added up",
        "сумма столбца adjustments в payroll.csv",
    ),
    (
        "bonus control: payroll.csv bonus sum = Summary bonus total",
        "контроль бонусов: сумма bonus в payroll.csv = итог бонусов сводки",
    ),
    (
        "adjustments control: payroll.csv adjustments sum = Summary adjustments total",
        "контроль корректировок: сумма adjustments в payroll.csv = итог корректировок сводки",
    ),
    (
        "runs this close builds on",
        "расчёты, на которых основано закрытие",
    ),
    (
        "previous final run ({period})",
        "предыдущий итоговый расчёт ({period})",
    ),
    (
        "final run trued up ({period})",
        "пересчитанный итоговый расчёт ({period})",
    ),
    ("guarantee balances", "остатки гарантий"),
    ("rules", "правила"),
    (
        "guarantee balances started at zero (--previous none)",
        "остатки гарантий начаты с нуля (--previous none)",
    ),
    (
        "recomputed with the rules recorded in its run.json",
        "пересчитан по правилам, записанным в его run.json",
    ),
    (
        "recomputed with the current schemes (--rules current), not the recorded ones",
        "пересчитан по текущим схемам (--rules current), а не по записанным",
    ),
    // statement: lines and the guarantee
    ("your payout", "ваша выплата"),
    ("guarantee", "гарантия"),
    (
        "Guaranteed minimum for your first {months}: {share} of your target bonus, from {from} to {until}.",
        "Гарантированный минимум на первые {months}: {share} вашего целевого бонуса, с {from} по {until}.",
    ),
    (
        "This period the minimum is {minimum} for {days}; your bonus was topped up by {top_up}.",
        "В этом периоде минимум {minimum} за {days}; бонус дополнен на {top_up}.",
    ),
    (
        "This period the minimum is {minimum} for {days}; your bonus reached it, no top-up was needed.",
        "В этом периоде минимум {minimum} за {days}; бонус его достиг, доплата не понадобилась.",
    ),
    (
        "The top-ups are recovered from later pay above the guaranteed level; you always keep that level.",
        "Доплаты возвращаются из будущих выплат сверх гарантированного уровня; этот уровень всегда остаётся у вас.",
    ),
    (
        "balance to recover before this period",
        "остаток к возврату до этого периода",
    ),
    ("top-up this period", "доплата в этом периоде"),
    ("recovered this period", "возвращено в этом периоде"),
    ("balance still to recover", "остаток к возврату"),
    // team.xlsx: the head of sales' view
    ("Team", "Команда"),
    ("Forecast", "Прогноз"),
    ("Trends", "Динамика"),
    ("Funnel", "Воронка"),
    ("Losses", "Потери"),
    ("Activity", "Активность"),
    ("Activity by week", "Активность по неделям"),
    ("team view", "обзор команды"),
    ("as of", "на дату"),
    ("the period end", "конец периода"),
    ("history", "история"),
    ("working days in the period", "рабочих дней в периоде"),
    ("working days elapsed", "рабочих дней прошло"),
    ("working days remaining", "рабочих дней осталось"),
    ("plan attainment", "выполнение плана"),
    ("no KPI with a plan target", "нет KPI с целью из плана"),
    ("payout cost", "затраты на бонусы"),
    ("payout so far", "бонусы на сегодня"),
    ("projected payout", "бонусы по прогнозу"),
    ("pipeline", "сделки в работе"),
    ("top 5 by attainment", "топ-5 по выполнению"),
    ("overall attainment", "общее выполнение"),
    ("people", "чел."),
    ("stage", "этап"),
    ("deals", "сделки"),
    ("deals closed", "закрыто сделок"),
    ("reached qualified", "дошли до квалификации"),
    ("reached negotiation", "дошли до переговоров"),
    ("reached proposal", "дошли до КП"),
    ("won after a proposal", "выиграны после КП"),
    ("won", "выиграны"),
    ("transition", "переход"),
    ("deals reached", "дошли"),
    ("of deals", "из сделок"),
    ("rate", "конверсия"),
    ("range from", "норма от"),
    ("range to", "норма до"),
    ("bottleneck", "узкое место"),
    ("the one to learn from", "у кого учиться"),
    (
        "nobody with enough deals",
        "ни у кого нет достаточно сделок",
    ),
    ("transition rates", "конверсия по этапам"),
    ("subject", "предмет"),
    ("nothing to discuss", "обсуждать нечего"),
    ("history average", "среднее за историю"),
    ("drop", "падение"),
    ("history rate", "конверсия за историю"),
    ("history deals", "сделки за историю"),
    ("outgoing calls", "исходящие звонки"),
    ("share of short calls", "доля коротких звонков"),
    ("share of calls of 2+ minutes", "доля звонков от 2 минут"),
    ("line", "линия"),
    ("threshold", "порог"),
    ("still needed", "ещё нужно"),
    ("per working day", "в рабочий день"),
    ("lost deals", "проиграно сделок"),
    ("the team's lost deals", "проиграно командой"),
    ("share", "доля"),
    ("month", "месяц"),
    ("average deal", "средний чек"),
    ("forecast to the period end", "прогноз на конец периода"),
    ("projected by run-rate", "по темпу"),
    ("projected", "прогноз"),
    ("projected attainment", "прогноз выполнения"),
    ("projected band", "прогноз диапазона"),
    ("projected amount", "прогноз суммы"),
    ("still needed for the threshold", "ещё нужно до порога"),
    ("still needed for the target", "ещё нужно до цели"),
    ("bonus per person", "бонус по сотрудникам"),
    ("bonus so far", "бонус на сегодня"),
    ("projected bonus", "прогноз бонуса"),
    (
        "average won deal per team and month",
        "средний чек по командам и месяцам",
    ),
    ("employed all month", "работал весь месяц"),
    ("deals won", "выиграно сделок"),
    ("revenue", "выручка"),
    ("lost deals per reason", "проигранные сделки по причинам"),
    ("all reasons", "все причины"),
    ("week from", "неделя с"),
    ("not in the export", "нет в выгрузке"),
    (
        "pipeline coverage of the remaining revenue plan",
        "покрытие остатка плана по выручке сделками в работе",
    ),
    (
        "the {n} largest teams of {total}",
        "{n} крупнейших команд из {total}",
    ),
    ("day", "день"),
    ("calls of 2+ minutes", "звонки от 2 минут"),
    ("emails sent", "отправлено писем"),
    ("meetings held", "проведено встреч"),
    (
        "more rows than a sheet holds: every row is in team.json",
        "строк больше, чем вмещает лист: все строки есть в team.json",
    ),
    // plan.xlsx (incentive plan).
    ("plans for", "планы на"),
    ("Plans", "Планы"),
    ("Manual", "Вручную"),
    ("Warnings", "Предупреждения"),
    ("Back-test", "Проверка на истории"),
    ("Seasonality", "Сезонность"),
    ("Teams", "Команды"),
    (
        "more rows than a sheet holds: every row is in plan.json",
        "строк больше, чем вмещает лист: все строки есть в plan.json",
    ),
    ("not employed", "не работал"),
    ("employed part of the month", "работал часть месяца"),
    ("no value", "нет значения"),
    (
        "no plans recorded for the month to split",
        "в таблице планов нет планов на этот месяц, чтобы делить",
    ),
    ("own history", "своя история"),
    (
        "no history: the company target split by days employed",
        "истории нет: цель компании по дням в должности",
    ),
    (
        "median of {n} colleagues on the same scheme",
        "медиана {n} коллег на той же схеме",
    ),
    ("bottom-up", "снизу вверх"),
    ("top-down", "сверху вниз"),
    ("blend", "смешанный"),
    ("equal", "поровну"),
    ("growth", "рост"),
    ("history months", "месяцев истории"),
    ("full months a plan needs", "нужно полных месяцев"),
    ("rounding step", "шаг округления"),
    ("the export's first month", "первый месяц выгрузки"),
    ("split", "деление"),
    ("base", "база"),
    ("base from", "откуда база"),
    ("best month", "лучший месяц"),
    ("worst month", "худший месяц"),
    ("season", "сезонность"),
    ("of days", "из дней"),
    ("plan for a whole month", "план на полный месяц"),
    ("raw plan", "план до округления"),
    ("how it was made", "как получен"),
    ("history months not used", "месяцы истории не в расчёте"),
    (
        "no plan made: every plan is left for a manual plan",
        "планов нет: все планы нужно задать вручную",
    ),
    ("why", "почему"),
    (
        "nobody: every plan was made from history",
        "никого: все планы получены из истории",
    ),
    ("no warnings", "предупреждений нет"),
    ("below 80%", "ниже 80%"),
    ("80-100%", "80-100%"),
    ("100-120%", "100-120%"),
    ("above 120%", "выше 120%"),
    ("below the review line", "ниже линии разбора"),
    (
        "{method} plans as if made at the start of each of the last six months, against the plans actually used",
        "планы «{method}», как если бы их ставили в начале каждого из последних шести месяцев, против планов, которые действовали",
    ),
    ("the method's plans", "планы метода"),
    ("the plans actually used", "действовавшие планы"),
    ("tested", "проверен"),
    ("company target split", "делимая цель компании"),
    ("skipped", "пропущен"),
    ("the months tested, pooled", "все проверенные месяцы"),
    ("none", "нет"),
    ("the seasonal index of", "сезонный индекс месяца"),
    ("same month last year", "тот же месяц год назад"),
    ("its total", "его итог"),
    ("the 12 months' average", "среднее за 12 месяцев"),
    ("index", "индекс"),
    (
        "the teams' plans against their history",
        "планы команд против их истории",
    ),
    ("plan total", "сумма планов"),
    ("best month's total", "итог лучшего месяца"),
    ("above the best month", "выше лучшего месяца"),
    ("company target", "цель компании"),
    ("the rounded plans' sum", "сумма округлённых планов"),
    ("monthly totals and the plan", "итоги по месяцам и план"),
];

#[derive(Debug, Clone, Copy, Default)]
pub struct Labels {
    pub lang: Lang,
}

impl Labels {
    pub fn new(lang: Lang) -> Self {
        Labels { lang }
    }

    /// The labels for several keys, e.g. a header row.
    pub fn all(&self, keys: &[&'static str]) -> Vec<String> {
        keys.iter().map(|k| self.get(k).to_string()).collect()
    }

    /// The label for `key` in this language; the key itself in English or when untranslated.
    pub fn get(&self, key: &'static str) -> &'static str {
        match self.lang {
            Lang::En => key,
            Lang::Ru => TABLE
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(key, |(_, ru)| ru),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_both_languages() {
        assert_eq!(Labels::new(Lang::En).get("attainment"), "attainment");
        assert_eq!(Labels::new(Lang::Ru).get("attainment"), "выполнение");
        assert_eq!(Lang::parse("RU"), Some(Lang::Ru));
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn every_key_is_unique() {
        let mut keys: Vec<&str> = TABLE.iter().map(|(k, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }
}
