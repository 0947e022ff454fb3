"""Word lists the entity rules rely on: titles and roles, organisation words, demonyms, and the
capitalised words that start sentences without naming anything."""

from __future__ import annotations

from importlib import resources


def _common_english() -> frozenset[str]:
    text = resources.files("searchnews.data").joinpath("common_english.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


# The most frequent English words: capitalised, they are headline words, not names.
COMMON_ENGLISH = _common_english()

# Words before a name that say a person follows ("President Vladimir Putin", "spokesman Nazar
# Voloshyn"). Matched case-insensitively, as whole words.
PERSON_CUES = frozenset(
    """president prime minister chancellor premier senator governor mayor king queen prince
    princess pope mr mrs ms miss dr sir dame lord lady judge justice general colonel lieutenant
    captain commander admiral sergeant spokesman spokeswoman spokesperson secretary ambassador
    envoy chairman chairwoman chair ceo director chief executive founder coach manager striker
    midfielder defender goalkeeper player actor actress singer writer author novelist director
    producer analyst economist professor reporter correspondent editor lawyer attorney
    prosecutor deputy leader mp rep sen gov lt col gen vice-president foreign finance defence
    defense interior economy trade head candidate opposition rapper artist musician comedian
    presenter host star champion""".split()
)
# Cue words that may close a run of capitalised words: "President" in "Russian President".
TITLE_WORDS = frozenset(
    """president prime minister chancellor premier senator governor mayor king queen prince
    princess pope mr mrs ms dr sir dame lord lady judge general colonel captain commander
    admiral secretary ambassador chairman ceo director chief coach cllr councillor""".split()
)
# Last words of organisation names.
ORG_WORDS = frozenset(
    """organisation organization council ministry bank party union agency company corp corporation
    inc incorporated ltd limited plc llc ag sa gmbh group association committee commission court
    parliament army navy force forces fund institute university college school club federation
    league authority office department service services police airlines airways motors holdings
    exchange board reserve assembly congress senate forum foundation trust network times post
    news press broadcasting radio television tv channel journal telegraph guardian herald
    tribune gazette observer daily industries energy petroleum oil gas mining telecom
    communications systems technologies partners capital securities investments bancorp
    insurance pharmaceuticals laboratories alliance coalition movement front brigade battalion
    regiment division command centre center hospital museum orchestra theatre festival studios
    records pictures entertainment tv fc united city rovers wanderers athletic
    oy oyj co nv ab asa spa se bv kg srl sarl ag plc sae saic lp llp bhd tbk pte""".split()
)
# Words that start an organisation name ("Bank of England", "University of Oxford").
ORG_STARTS = frozenset("""bank university college institute ministry department court""".split())
# Connectors allowed inside names ("Bank of England", "Ursula von der Leyen").
NAME_CONNECTORS = frozenset(
    """of the de del della di da do dos das von van der den la le du al el bin ibn y for and
    & on""".split()
)
# Connectors that may sit inside a person's name.
PERSON_CONNECTORS = frozenset(
    """de del della di da do dos das von van der den la le du al el bin ibn y""".split()
)

DEMONYMS = frozenset(
    """american british english scottish welsh irish french german italian spanish portuguese dutch
    belgian swiss austrian polish czech slovak hungarian romanian bulgarian greek turkish
    russian ukrainian belarusian moldovan georgian armenian azerbaijani kazakh uzbek kyrgyz
    tajik turkmen chinese japanese korean indian pakistani afghan iranian iraqi syrian israeli
    palestinian lebanese jordanian saudi egyptian libyan tunisian algerian moroccan nigerian
    kenyan ethiopian somali sudanese african european asian arab canadian mexican brazilian
    argentine argentinian chilean colombian venezuelan peruvian cuban australian swedish
    norwegian danish finnish estonian latvian lithuanian icelandic serbian croatian bosnian
    slovenian albanian macedonian montenegrin kosovan soviet western eastern northern southern
    nordic baltic balkan catholic muslim christian jewish orthodox islamic sunni shia kurdish
    crimean chechen tatar roman communist conservative liberal democratic republican socialist
    labour""".split()
)
# Capitalised words that begin sentences or headlines but name nothing.
COMMON_WORDS = frozenset(
    """a an the this that these those there here it its he she they we you i his her their our your
    my in on at by for from to of with without about above after before during since until into
    onto over under between among against through across around near but and or nor so yet if
    when while as because although though however meanwhile moreover also then thus still even
    only just some many most more much few several all any each every no not one two three four
    five six seven eight nine ten first second third last next new old according asked said says
    told added announced monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december today
    yesterday tomorrow tonight morning evening afternoon night week month year years weeks
    months days day what who whom whose which where why how yes please see read share follow
    subscribe sign click photo image video watch listen more other another such both either
    neither whether despite unlike like once twice officials police experts analysts critics
    supporters residents people many several nearly almost about around over under breaking live
    update updated exclusive opinion analysis comment editorial news report reports reporting
    data source sources government state
    earlier later former now then instead elsewhere overall indeed perhaps quirky separately
    economists""".split()
)

FIRST_NAMES = frozenset(
    """james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
    tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter
    christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan
    jesse bryan billy bruce gabriel joe logan alan juan albert willie elijah wayne randy vincent
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
    sandra margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie
    dorothy rebecca sharon laura cynthia amy kathleen angela shirley brenda emma anna pamela
    nicole samantha katherine christine helen debra rachel carolyn janet maria catherine heather
    diane olivia julie joyce victoria ruth virginia lauren kelly christina joan evelyn judith
    andrea hannah megan cheryl jacqueline martha madison teresa gloria sara janice ann kathryn
    abigail sophia frances jean alice judy isabella julia grace amber denise danielle marilyn
    beverly charlotte natalie theresa diana brittany doris kayla alexis lori marie tony tom tim
    ben sam nick mike chris dan matt jim bob bill ted ed al hugh ian neil gordon alistair angus
    iain duncan fiona claire louise sophie chloe lucy ellie amelia vladimir volodymyr viktor
    victor dmitry dmitri sergei sergey alexei alexey aleksei andrei andriy andrii mikhail
    mykhailo yuri yuriy igor oleg olena olga natalia natalya tatiana tetiana yulia yuliya irina
    iryna svetlana ivan nikolai mykola pavlo pavel petro petr oleksandr oleksiy denys denis
    vitali vitaliy vitalii kateryna anastasia ekaterina boris gennady leonid arseniy arseny
    valery valeriy yevgeny evgeny nazar taras bohdan roman ruslan maksym maxim anatoly anatoliy
    vasyl vasily grigory hryhoriy kyrylo kirill recep tayyip ahmet mehmet mustafa ali hasan
    hussein mohammed muhammad mohamed ahmed omar abdul abdullah ibrahim yusuf khalid hamid karim
    reza hassan emmanuel francois jean pierre jacques marine nicolas olaf angela friedrich
    annalena robert markus karl klaus wolfgang ursula hans jurgen jens lars sven anders erik
    nils ingrid astrid greta giorgia mario matteo giuseppe luigi sergio pedro carlos javier
    miguel jorge luis antonio manuel fernando francisco rafael alejandro diego pablo lula jair
    xi li wang zhang narendra rahul shinzo fumio kim moon yoon benjamin naftali yair mahmoud
    bashar keir rishi liz boris theresa david nigel kemi ed joe kamala donald hillary barack
    mike nancy chuck mitch volker christine mark jens antonio kaja josep charles camilla william
    harry meghan kate elon jeff bill warren sundar satya tim sam jensen gautam mukesh
    ratan""".split()
)

# Capitalised abbreviations that are not organisations.
NOT_ENTITIES = COMMON_WORDS | frozenset(
    """gmt bst utc cet cest est edt pst am pm tv ceo cfo coo gdp cpi co2 covid sars hiv aids dna
    usd eur gbp rub uah jpy cny chf bn mn km kg mph ok faq pdf uk us eu un ii iii iv vi vii viii
    ix xi xii dj mc vip ap ad bc pc id ip it ai vr""".split()
)
