"""Spanish: the tool's fixed texts, in the plain register of a public library's Spanish outreach.

Usted, short sentences, common words. "Alianza" for partnership. Placeholders in braces stay as
they are; ``&P`` and ``&N`` are Excel's page number and page count in a footer.
"""

from __future__ import annotations

NAME = "Español"

TEXTS: dict[str, str] = {
    # How answers are used (partnersheet/spec/terms.py), on the Instructions sheet.
    "How your answers are used": "Cómo se usan sus respuestas",
    "Your ratings are shown only together with at least {others} others from your side, and your name is "
    "never shown with your notes.": "Sus calificaciones se muestran solo junto con las de al menos {others} "
    "personas más de su lado, y su nombre nunca aparece con sus notas.",
    "If fewer than {n} people from your side take part, your side's scores are not shown on their own: your "
    "ratings count only in the partnership's overall scores.": "Si participan menos de {n} personas de su "
    "lado, las puntuaciones de su lado no se muestran por separado: sus calificaciones cuentan solo en las "
    "puntuaciones generales de la alianza.",
    "Your name is never shown with your answers in the comparison.": (
        "Su nombre nunca aparece con sus respuestas en la comparación."
    ),
    "Your notes are shown as you wrote them, without your name: leave out anything that would identify you.": (
        "Sus notas se muestran tal como las escribió, sin su nombre: no incluya nada que pueda identificarle."
    ),
    "The coordinator who sent you this workbook sees who has returned it, to send reminders.": (
        "La persona coordinadora que le envió este libro ve quién lo ha devuelto, para enviar recordatorios."
    ),
    "This assessment is attributed, not anonymous: the comparison shows your name beside your ratings and "
    "your notes, and your side's scores however few people from your side take part.": "Esta evaluación no "
    "es anónima: la comparación muestra su nombre junto a sus calificaciones y sus notas, y las puntuaciones "
    "de su lado aunque participen pocas personas.",
    "Write your notes knowing that the people who read the comparison will see who wrote them.": (
        "Escriba sus notas sabiendo que quienes lean la comparación verán quién las escribió."
    ),
    "one": "una",
    "two": "dos",
    "three": "tres",
    "four": "cuatro",
    "five": "cinco",
    "six": "seis",
    "seven": "siete",
    "eight": "ocho",
    "nine": "nueve",
    "ten": "diez",
    # Field types: input message titles (32 characters at most), hints and error messages.
    "Your answer": "Su respuesta",
    "Choose from the list": "Elija de la lista",
    "Choose from the list.": "Elija de la lista.",
    "Please choose one of the options in the list.": "Por favor, elija una de las opciones de la lista.",
    "Choose a rating": "Elija una calificación",
    "Choose a rating from the list.": "Elija una calificación de la lista.",
    "Whole number": "Número entero",
    "Type a whole number.": "Escriba un número entero.",
    "Amount in dollars": "Cantidad en dólares",
    "Type dollars as a number, e.g. 1500.": "Escriba los dólares como número, por ejemplo 1500.",
    "Staff hours per month": "Horas de personal al mes",
    "Type hours per month as a number, e.g. 6.": "Escriba las horas al mes como número, por ejemplo 6.",
    "Date": "Fecha",
    "Type a date as YYYY-MM-DD.": "Escriba la fecha así: AAAA-MM-DD.",
    "Please type a date such as 2026-03-15.": "Por favor, escriba una fecha como 2026-03-15.",
    "Please keep this answer to {n} characters.": "Por favor, use {n} caracteres como máximo.",
    "Please type a whole number from {range}.": "Por favor, escriba un número entero de {range}.",
    "Please type a number from {range} ({message})": "Por favor, escriba un número de {range} ({message})",
    "{low} to {high}": "{low} a {high}",
    "{low} or more": "{low} o más",
    # Details inside problems (the same problem reads in English for the coordinator).
    "{n} characters; at most {max}": "{n} caracteres; como máximo {max}",
    "{cell}, empty": "{cell}, vacía",
    "a row number from 1 to {n}": "un número de fila del 1 al {n}",
    "{n} cell beyond {cell}": "{n} celda más allá de {cell}",
    "{n} cells beyond {cell}": "{n} celdas más allá de {cell}",
    "its fingerprint differs": "su huella no coincide",
    "an identical copy": "es una copia idéntica",
    "saved {newer}, this one {older}": "la nueva se guardó: {newer}; esta: {older}",
    "at an unknown time": "sin fecha",
    "Please check this answer": "Revise esta respuesta, por favor",
    # Spec defaults.
    "How effective is the partnership here? ({group})": "¿Qué tan eficaz es la alianza en esto? ({group})",
    # The workbook around the spec's texts.
    "Instructions": "Instrucciones",
    "Template {id}, version {version}": "Plantilla {id}, versión {version}",
    "Type in the shaded cells.": "Escriba en las celdas sombreadas.",
    "No.": "Núm.",  # the heading of a table's row-number column
    "Rating scale: {title}": "Escala de calificación: {title}",
    "{label} (scores {score})": "{label} (vale {score})",
    "{label} (not scored: use it when you cannot judge)": "{label} (no cuenta: úselo si no puede juzgar)",
    "Page &P of &N": "Página &P de &N",
    "Made by partnersheet {version} from template {id} {template_version}": (
        "Hecho con partnersheet {version} a partir de la plantilla {id} {template_version}"
    ),
    # What an action plan says was found (partnersheet/compile/actions.py); the words of the
    # plan's own template: "puntaje", "quienes evaluaron", "nivel".
    "Score {score} ({band})": "Puntaje {score} ({band})",
    "{first} minus {second}: {gap}": "{first} menos {second}: {gap}",
    "raters up to {n} level apart": "hasta {n} nivel de diferencia entre quienes evaluaron",
    "raters up to {n} levels apart": "hasta {n} niveles de diferencia entre quienes evaluaron",
    "Raters {n} level apart on this criterion": "{n} nivel de diferencia entre quienes evaluaron este criterio",
    "Raters {n} levels apart on this criterion": "{n} niveles de diferencia entre quienes evaluaron este criterio",
    # The problems report, for the respondent's rows.
    "Language": "Idioma",
    "In English (for the coordinator)": "En inglés (para el coordinador)",
}

# Problem code -> (message, fix). Same placeholders as the English catalogue in intake/problems.py.
PROBLEMS: dict[str, tuple[str, str]] = {
    "file-missing": ("no se encontró el archivo", "revise el nombre del archivo y la carpeta"),
    "no-permission": (
        "no se puede abrir aquí ({detail})",
        "confirme que tiene permiso para leerlo, o cópielo a una carpeta que pueda leer",
    ),
    "partnersheet-output": (
        "se omitió: es un {detail} hecho por partnersheet, no un archivo devuelto",
        "guarde los resultados fuera de la carpeta de archivos devueltos",
    ),
    "file-empty": ("el archivo está vacío (0 bytes)", "pida que le envíen el archivo otra vez"),
    "not-a-spreadsheet": (
        "no es una hoja de cálculo ({detail})",
        "pida el archivo .xlsx completo, no otro tipo de archivo",
    ),
    "legacy-xls": (
        "es un archivo .xls antiguo de Excel 97-2003",
        "ábralo en Excel o LibreOffice y use Guardar como > Libro de Excel (.xlsx)",
    ),
    "csv-file": (
        "es un archivo de texto CSV, que perdió el formulario",
        "llene el archivo .xlsx original y envíe ese",
    ),
    "encrypted": (
        "el archivo tiene contraseña",
        "ábralo, quite la contraseña (Archivo > Información > Proteger archivo) y guárdelo otra vez",
    ),
    "corrupt": (
        "el archivo está dañado o incompleto ({detail})",
        "pida que guarden el archivo y lo envíen otra vez",
    ),
    "zip-bomb": (
        "el archivo crecería a un tamaño peligroso ({detail})",
        "no abra este archivo; pregunte a quien lo envió qué es",
    ),
    "xml-entities": (
        "el archivo tiene declaraciones de entidades XML, que se rechazan por seguridad",
        "pida que guarden el archivo otra vez desde Excel o LibreOffice",
    ),
    "not-partnersheet": (
        "es una hoja de cálculo, pero no un archivo de partnersheet ({detail})",
        "envíe a la persona el archivo hecho con `partnersheet new`",
    ),
    "unknown-template": (
        "se hizo con la plantilla {value}, que no está disponible aquí (se buscan en {other})",
        "agregue el archivo de esa plantilla a una carpeta de plantillas, "
        "o confirme que el archivo viene de su coordinador",
    ),
    "internal-error": (
        "partnersheet falló con este archivo ({detail})",
        "es un error del programa: avísenos y, si puede, envíe el archivo",
    ),
    "template-altered": (
        "se hizo con otra versión de {value} distinta de la de aquí ({detail}), así que sus respuestas no se juntan",
        "si cambió la plantilla, dele un número de versión nuevo; si no, envíe a la persona un archivo nuevo",
    ),
    "version-unknown": (
        "el archivo no dice de qué versión de {value} se hizo; se leyó como la versión {detail}",
        "revise las respuestas, o envíe a la persona un archivo nuevo",
    ),
    "language-unknown": (
        "el archivo está en el idioma {value!r}, que esta plantilla no tiene aquí; se leyó en {detail}",
        "agregue ese idioma a la plantilla, o envíe a la persona un archivo nuevo",
    ),
    "names-missing": (
        "el archivo perdió los nombres de sus celdas; las respuestas se leyeron en sus lugares originales",
        "revise las respuestas de abajo, o envíe un archivo nuevo",
    ),
    "field-not-found": (
        "no se encontró la celda de la respuesta para {label!r}",
        "quizás se borró la fila o la hoja: envíe un archivo nuevo",
    ),
    "rows-reordered": (
        "las filas {detail} de la hoja {sheet!r} cambiaron de orden: las respuestas se leyeron por el texto de al lado",
        "revise esas respuestas: cada una se leyó con el criterio o la etiqueta que ahora tiene al lado",
    ),
    "label-mismatch": (
        "el texto al lado de la respuesta para {label!r} se cambió o se borró: la celda {cell} dice {value!r}; "
        "la respuesta ({detail}) no se usó",
        "vuelva a poner el texto {other!r} en la celda {cell}, o envíe un archivo nuevo",
    ),
    "label-duplicated": (
        "el texto de {label!r} está al lado de más de una respuesta ({detail}): no se usó ninguna",
        "deje ese texto al lado de una sola respuesta (revise las celdas {detail}), o envíe un archivo nuevo",
    ),
    "sheet-missing": (
        "falta la hoja del formulario {sheet!r}, con {detail} respuestas",
        "quizás se borró la hoja: envíe a la persona un archivo nuevo",
    ),
    "identity-changed": (
        "se cambió {label} de {other!r} a {value!r}",
        "vuelva a poner {other!r}; si estaba mal, pida un archivo nuevo al coordinador",
    ),
    "required-missing": (
        "falta la respuesta para {label}, que es obligatoria",
        "llene la celda {cell} de la hoja {sheet!r}",
    ),
    "not-a-choice": (
        "{value!r} no es una de las opciones para {label}",
        "elija de la lista desplegable en la celda {cell}: {detail}",
    ),
    "not-a-rating": (
        "{value!r} no es una calificación para {label}",
        "elija de la lista desplegable en la celda {cell}: {detail}",
    ),
    "not-a-number": (
        "{value!r} no es un número para {label}",
        "escriba solo cifras en la celda {cell}, por ejemplo 1500 (sin palabras)",
    ),
    "not-whole-number": (
        "{value!r} no es un número entero para {label}",
        "escriba un número entero en la celda {cell}",
    ),
    "out-of-range": (
        "{value!r} está fuera de lo permitido para {label} ({detail})",
        "escriba un valor de {detail} en la celda {cell}",
    ),
    "not-a-date": (
        "{value!r} no es una fecha para {label}",
        "escriba una fecha como 2026-03-15 en la celda {cell}",
    ),
    "too-long": (
        "la respuesta para {label} es demasiado larga ({detail})",
        "acorte el texto de la celda {cell}, o pase los detalles a las notas",
    ),
    "formula-in-cell": (
        "la celda {cell} ({label}) tiene una fórmula {value!r}, que no se lee",
        "escriba la respuesta misma en la celda {cell}, no una fórmula",
    ),
    "duplicate-workbook": (
        "el mismo archivo (id {value}) llegó más de una vez y no se puede saber cuál copia es la más nueva: "
        "también {other}",
        "quédese con la copia que la persona quiso enviar y saque la otra de la carpeta",
    ),
    "duplicate-submission": (
        "una segunda evaluación para {detail}, y no se puede saber cuál es la más nueva: también {other}",
        "quédese con la que la persona quiso enviar y saque la otra de la carpeta, "
        "o dele a cada una una ronda distinta",
    ),
    "reader-crashed": (
        "al leer este archivo se detuvo el proceso que lo leía ({detail}); los demás archivos sí se leyeron",
        "es un error del programa: avísenos y, si puede, mande el archivo; pida que lo guarden de nuevo",
    ),
    "unsupported-spreadsheet": (
        "una hoja de cálculo que partnersheet no puede leer ({detail})",
        "ábrala en el programa con que se hizo, use Guardar como > Libro de Excel (.xlsx) y mande ese archivo",
    ),
    "other-file": (
        "se dejó de lado: {detail}, no es un archivo devuelto",
        "si tiene las respuestas de alguien, pídale el archivo .xlsx completo",
    ),
    "far-value": (
        "no se leyó un valor muy lejos del formulario, en {cell} ({detail})",
        "si es una respuesta, póngala en su celda; si no, bórrela (Ctrl+Fin muestra la última celda usada)",
    ),
    "stray-value": (
        "se escribió {value!r} en la celda {cell}, fuera de las celdas de respuesta, así que no cuenta como respuesta",
        "póngalo en la celda de respuesta que le corresponde; "
        "mientras tanto se guarda en la hoja Data de la comparación",
    ),
    "row-incomplete": (
        "{label} está vacío, pero su fila tiene otras respuestas ({detail})",
        "llene la celda {cell} de la hoja {sheet!r}, o borre toda la fila",
    ),
    "superseded": (
        "hay una copia más nueva de la misma persona: {other} ({detail}); esta no se cuenta",
        "no tiene que hacer nada, a menos que esta copia más vieja sea la que debe contar: entonces saque la nueva",
    ),
}
