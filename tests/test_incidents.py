"""Incidents as conflict reports write them: types, places, actors, fatalities.

Short reports in the style of ACLED notes and wire copy, written for these tests. The
benchmark (``benchmarks/events.py``) measures the same on 228 reports
(``tests/data/incidents``) and on the event-location sentences.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geo.events.actors import Actors, fatalities, find_actors
from geo.events.extract import extract_events
from geo.events.triggers import find_triggers
from geo.model import ACLED_SUB_EVENT_TYPES, Article

D = dt.date
PUBLISHED = D(2021, 3, 15)


def events_of(text: str, published: dt.date = PUBLISHED, title: str = ""):
    return extract_events(Article("t", title, text, published))


@pytest.mark.parametrize(("text", "layer", "sub_type", "place"), [
    ("On 12 March 2021, militia forces shelled the village of Tal Abyad. No fatalities "
     "reported.", "strike", "Shelling/artillery/missile attack", "Tal Abyad"),
    ("An IED exploded near a police vehicle in Kandahar, wounding two officers.",
     "explosion", "Remote explosive/landmine/IED", "Kandahar"),
    ("A suicide bomber blew himself up at a market in Maiduguri, killing 12 people.",
     "explosion", "Suicide bomb", "Maiduguri"),
    ("Gunmen abducted 20 students from a school in Kaduna on Friday.",
     "violence_against_civilians", "Abduction/forced disappearance", "Kaduna"),
    ("Three civilians were killed and four wounded following attacks by Taliban militants "
     "in Herat.", "violence_against_civilians", "Attack", "Herat"),
    ("Protesters pelted stones at police in Srinagar after Friday prayers.",
     "riot", "Violent demonstration", "Srinagar"),
    ("Hundreds of people gathered to demand the release of detainees in Beirut.",
     "protest", "Peaceful protest", "Beirut"),
    ("Police fired tear gas to disperse protesters in Nairobi.",
     "protest", "Protest with intervention", "Nairobi"),
    ("Security forces arrested 15 opposition supporters in Harare.",
     "strategic_development", "Arrests", "Harare"),
    ("Al-Shabaab fighters seized the town of Mahas after government troops withdrew.",
     "armed_clash", "Non-state actor overtakes territory", "Mahas"),
    ("Clashes broke out between the army and rebels near Goma.",
     "armed_clash", "Armed clash", "Goma"),
    ("A grenade was thrown at a bar in Bujumbura.", "explosion", "Grenade", "Bujumbura"),
    ("Russian warplanes carried out airstrikes on Idlib.", "strike", "Air/drone strike",
     "Idlib"),
    ("Looters ransacked shops in Durban overnight.", "strategic_development",
     "Looting/property destruction", "Durban"),
    ("Militiamen burned homes in Geneina on Monday.", "strategic_development",
     "Looting/property destruction", "Geneina"),
    # A "counter-" word is the incident's word.
    ("Government troops launched a counter-offensive near Kidal on Tuesday.",
     "armed_clash", "Armed clash", "Kidal"),
])
def test_reports_give_their_incident(text, layer, sub_type, place):
    found = events_of(text)
    assert found, text
    (event,) = [e for e in found if e.place == place] or found[:1]
    assert (event.event_type, event.acled_sub_event_type, event.place) == (
        layer, sub_type, place)
    assert event.acled_sub_event_type in ACLED_SUB_EVENT_TYPES[event.event_type]


def test_a_word_that_starts_no_incident_owns_no_place():
    # "dead"/"death" follow the shooting: the place after them is the shooting's.
    for text in ("Lagos trader Ade Bello was shot dead outside his shop in Kano on Monday.",
                 "Abuja lawyer Musa Idris was shot to death during a robbery in Kano."):
        assert [e.place for e in events_of(text)] == ["Kano"], text


def test_burning_is_an_incident_only_when_armed_men_burn():
    assert events_of("Wildfires burned forests near Athens on Monday.") == []


def test_one_incident_in_many_words_is_one_event():
    found = events_of("Shelling hit a trolleybus in Donetsk on Thursday, killing 8 people and "
                      "wounding about 20, an official said.")
    assert [(e.event_type, e.place, e.fatalities) for e in found] == [
        ("strike", "Donetsk", 8)]


def test_two_incidents_in_a_headline_keep_their_own_places():
    found = events_of("Drone strike near Idlib as protesters rally in Tbilisi")
    assert sorted((e.event_type, e.place) for e in found) == [
        ("protest", "Tbilisi"), ("strike", "Idlib")]


def test_fatalities_in_the_next_sentence_belong_to_the_incident():
    (event,) = events_of("On 3 May 2021, unidentified gunmen attacked a village in "
                         "Zamfara. Eleven people were killed.")
    assert event.fatalities == 11 and event.date == D(2021, 5, 3)


@pytest.mark.parametrize(("sentence", "count"), [
    ("At least 22 ISIS members were killed in the clashes.", 22),
    ("No fatalities reported.", 0),
    ("Two policemen were wounded.", 0),
    ("Dozens of people were killed in the attack.", 12),
    ("The death toll rose to 31.", 31),
    ("Talks resumed in Geneva.", None),
])
def test_fatalities_follow_the_convention(sentence, count):
    assert fatalities(sentence) == count


def test_actors_as_written():
    s = "Houthi forces shelled a village in Taiz, killing two civilians."
    start = s.index("shelled")
    assert find_actors(s, start, start + 7) == Actors("Houthi forces", "two civilians")


def test_words_that_are_not_incidents():
    assert not find_triggers("Markets rallied after the deal; a hunger strike ended.")
    assert not [t for t in find_triggers("Stocks rallied in March.") if t.layer == "protest"]


def test_a_headline_copy_of_a_body_event_is_dropped():
    title = "Drone strike near Idlib as protesters rally in Tbilisi"
    text = (f"{title}\n2024-05-10\n\nOn May 9, a drone strike hit a market near Idlib, "
            "killing four people.\n")
    found = extract_events(Article("h", title, text, D(2024, 5, 10)))
    assert sorted((e.event_type, e.place, e.date) for e in found) == [
        ("protest", "Tbilisi", D(2024, 5, 10)), ("strike", "Idlib", D(2024, 5, 9))]


# --- actors as written, read past what misleads them ------------------------------------


def _incident_actors(text: str, place: str = "Alpha") -> tuple[str | None, str | None]:
    from geo.events.incidents import sentence_incidents
    from geo.events.where import Place
    from geo.model import Toponym

    start = text.index(place)
    toponym = Toponym(start, start + len(place), place, 1.0, 1.0, None, "", "city", 5.0,
                      False)
    (incident,) = sentence_incidents(text, 0, [Place(toponym, True, 0)])
    return incident.actors.actor1, incident.actors.actor2


@pytest.mark.parametrize(
    ("text", "actors"),
    [
        # A capitalised group word opening the sentence is an actor.
        ("Police arrested 15 activists in Alpha on Tuesday, their lawyer said.",
         ("Police", "15 activists")),
        # The trigger word that names people is where the actor is, not the action.
        ("Gunmen killed 12 villagers at a wedding in Alpha, state prosecutors said.",
         ("Gunmen", "12 villagers")),
        # "held by" says whose the target was: no agent.
        ("Al-Shabaab fighters attacked a post held by Somali soldiers in Alpha.",
         ("Al-Shabaab fighters", "Somali soldiers")),
        # Who told the news is no actor.
        ("A mob burned a police post in Alpha, residents said.", ("mob", "police")),
        # Protests name the demonstrators first (the force that dispersed them second).
        ("Police fired tear gas to disperse demonstrators in Alpha on Monday.",
         ("demonstrators", "Police")),
    ],
)
def test_actors_as_the_text_names_them(text, actors):
    assert _incident_actors(text) == actors


@pytest.mark.parametrize(
    ("text", "layer"),
    [
        ("At least 500 militants have entered the town of Alpha, a monitor said.",
         "armed_clash"),
        ("Rebel fighters occupied Alpha on Friday.", "armed_clash"),
        ("Israeli jets pounded Alpha overnight.", "strike"),
    ],
)
def test_verbs_that_report_an_incident_when_armed_men_do_them(text, layer):
    from geo.events.incidents import sentence_incidents
    from geo.events.where import Place
    from geo.model import Toponym

    start = text.index("Alpha")
    place = Place(Toponym(start, start + 5, "Alpha", 1.0, 1.0, None, "", "city", 5.0, False),
                  True, 0)
    assert [i.layer for i in sentence_incidents(text, 0, [place])] == [layer]
    # Without armed men, "entered" is no incident.
    text = "Tourists entered Alpha on Friday."
    place = Place(Toponym(17, 22, "Alpha", 1.0, 1.0, None, "", "city", 5.0, False), True, 0)
    assert sentence_incidents(text, 0, [place]) == []


@pytest.mark.parametrize(
    ("text", "deaths"),
    [
        ("On 7 December 2021, troops shot and killed 11 villagers near Alpha.", 11),
        ("Roadside bomb kills five soldiers near Alpha", 5),
        ("Gunmen shot dead a teacher in Alpha on Tuesday.", 1),
        ("Gunmen stormed Alpha, shooting dead 15 villagers.", 15),
        ("One soldier and seven attackers were killed in Alpha.", 8),
        ("Clashes in Alpha killed nine soldiers and six rebels.", 15),
        ("Rebels shelled Alpha on Monday. No one was hurt.", None),
    ],
)
def test_deaths_as_wire_copy_and_headlines_count_them(text, deaths):
    from geo.events.extract import _deaths
    from geo.text.dates import find_dates

    first = text.split(". ")[0]
    assert _deaths(first, find_dates(first, dt.date(2022, 1, 1))) == deaths


def test_the_victims_of_the_next_sentence_and_no_group_for_people():
    article = Article(id="victims", title="", published=dt.date(2023, 4, 12),
                      text="On 11 April 2023, Myanmar military aircraft bombed a monastery "
                           "in Mandalay. At least 11 civilians were killed.")
    (event,) = extract_events(article)
    assert (event.actor2, event.fatalities) == ("11 civilians", 11)
    article = Article(id="people", title="", published=dt.date(2023, 4, 12),
                      text="A drone strike by the Malian army hit a vehicle near Kidal, "
                           "killing eight people.")
    (event,) = extract_events(article)
    assert (event.actor1, event.actor2) == ("Malian army", None)


@pytest.mark.parametrize(
    "text",
    ["Washington captured his first national title at the championships in Alpha.",
     "Oil prices shot up in Alpha trading on Monday.",
     "The envoy shot back at critics in Alpha.",
     "Photographers captured her every visit to shops around Alpha.",
     "The senator was captured on camera outside his office in Alpha.",
     "Kowalski captured Norway's first European women's doubles crown in Alpha.",
     "The rider captured the fifth stage in a sprint finish near Alpha.",
     "The novel captured the hearts of readers in Alpha.",
     "The veteran shot a 4-under-par 68 in the second round at Alpha."],
)
def test_idioms_of_violent_words_are_no_incidents(text):
    from geo.events.incidents import sentence_triggers

    assert [text[t.start:t.end] for t in sentence_triggers(text)
            if text[t.start:t.end].lower().startswith(("captur", "shot"))] == []


def test_violent_senses_stay():
    from geo.events.incidents import sentence_triggers

    for text in ("He was shot in the heart outside a court in Alpha.",
                 "Rebels captured the vast majority of the Yarmouk camp.",
                 "The killer shot Gallagher several times in the back."):
        assert sentence_triggers(text), text


@pytest.mark.parametrize(
    ("text", "incident"),
    [("More than 130,000 people have been killed since the war in Alpha broke out in 2011.",
      False),
     ("An estimated 250,000 people have been killed in Alpha's four-year civil war.", False),
     # A toll that names what happened is still that incident.
     ("Three soldiers have been killed in Alpha since Monday's ambush.", True),
     ("Three soldiers were killed in Alpha on Monday.", True)],
)
def test_a_toll_over_months_is_no_incident(text, incident):
    from geo.events.incidents import sentence_incidents
    from geo.events.where import Place
    from geo.model import Toponym

    start = text.index("Alpha")
    place = Place(Toponym(start, start + 5, "Alpha", 1.0, 1.0, None, "", "city", 5.0, False),
                  True, 0)
    assert bool(sentence_incidents(text, 0, [place])) is incident


@pytest.mark.parametrize(
    ("text", "types"),
    [("A mob attacked foreign-owned shops in Alpha on Monday.", ("riot", "Mob violence")),
     ("Helicopters dropped a canister filled with chlorine on Alpha.",
      ("explosion", "Chemical weapon")),
     ("Gunmen seized a council member from his home in Alpha on Tuesday.",
      ("violence_against_civilians", "Abduction/forced disappearance")),
     ("Rebels seized the town of Alpha on Tuesday.",
      ("armed_clash", "Non-state actor overtakes territory"))],
)
def test_crowds_chemicals_and_people_seized(text, types):
    from geo.events.incidents import sentence_incidents
    from geo.events.where import Place
    from geo.model import Toponym

    start = text.index("Alpha")
    place = Place(Toponym(start, start + 5, "Alpha", 1.0, 1.0, None, "", "city", 5.0, False),
                  True, 0)
    (incident,) = sentence_incidents(text, 0, [place])
    assert (incident.layer, incident.sub_type) == types


def test_a_sentence_dated_by_the_one_before_it():
    article = Article(id="days", title="", published=dt.date(2019, 3, 20),
                      text="On 14 March 2019, fighters clashed with troops in Maiduguri. "
                           "On the same day, gunmen abducted three aid workers near Monguno. "
                           "The following day, militants looted shops in Damboa.")
    dates = {e.place: e.date for e in extract_events(article)}
    assert dates == {"Maiduguri": dt.date(2019, 3, 14), "Monguno": dt.date(2019, 3, 14),
                     "Damboa": dt.date(2019, 3, 15)}


def test_people_gathered_somewhere_to_demand_something_protest():
    from geo.events.extract import extract_events
    from geo.model import Article
    text = ("On 21 August 2023, hundreds of teachers gathered in front of the governorate "
            "building in Sulaymaniyah to demand unpaid salaries.")
    events = extract_events(Article(id="t", title="", text=text, published=None))
    assert [(e.event_type, e.place) for e in events] == [("protest", "Sulaymaniyah")]


def test_an_attack_on_a_checkpoint_is_a_battle_and_a_local_government_area_no_actor():
    from geo.events.extract import extract_events
    from geo.model import Article
    text = ("Gunmen attacked the village of Kwall in Bassa local government area of Plateau "
            "state on Sunday, killing 20 people. Later, the same group attacked a checkpoint "
            "near Jos.")
    events = extract_events(Article(id="t", title="", text=text, published=None))
    assert ("armed_clash", "Jos") in [(e.event_type, e.place) for e in events]
    assert all(e.actor2 is None or "government" not in e.actor2 for e in events)


def test_two_incidents_in_two_clauses_of_one_sentence_keep_their_own_types():
    from geo.events.extract import extract_events
    from geo.model import Article
    text = ("In Lagos, hundreds of youths marched peacefully to the state house to protest "
            "against police brutality, while in Abuja police dispersed a similar march with "
            "tear gas.")
    events = extract_events(Article(id="t", title="", text=text, published=None))
    assert sorted((e.place, e.acled_sub_event_type) for e in events) == [
        ("Abuja", "Protest with intervention"), ("Lagos", "Peaceful protest")]


@pytest.mark.parametrize(("text", "expected"), [
    # An ambushed patrol is a battle, not a military presence.
    ("On 3 June 2022, JNIM militants ambushed a Malian army patrol between Boni and Hombori "
     "(Douentza, Mopti), killing 4 soldiers.", [("armed_clash", "Armed clash", "ML")]),
    # What a protest is about is not what happened at it.
    ("On 9 March 2022, around 200 residents blocked the highway in Mlolongo (Mavoko, "
     "Machakos) to protest the killing of a rider by police.",
     [("protest", "Peaceful protest", "KE")]),
    ("On 1 February 2021, the Tatmadaw seized power in a coup in Naypyidaw.",
     [("strategic_development", "Other", "MM")]),
])
def test_notes_written_after_the_extractor(text, expected):
    from geo.events.extract import extract_events
    from geo.model import Article
    events = extract_events(Article(id="t", title="", text=text, published=None))
    assert sorted((e.event_type, e.acled_sub_event_type, e.country_code) for e in events) \
        == expected


@pytest.mark.parametrize("text", [
    "A fire at a garment factory in Dhaka killed 10 workers on Thursday, officials said.",
    "A bus carrying pilgrims plunged into a gorge in Jammu, killing 22 people.",
    "The president visited flood victims in Sindh province on Tuesday and promised more aid.",
])
def test_accidents_and_visits_to_victims_are_no_incidents(text):
    from geo.events.extract import extract_events
    from geo.model import Article
    assert extract_events(Article(id="t", title="", text=text, published=None)) == []


def test_killing_a_named_armed_group_s_fighters_is_a_battle():
    from geo.events.extract import extract_events
    from geo.model import Article
    text = ("On 30 November 2021, the Colombian army killed four ELN guerrillas in an "
            "operation in Arauca (Arauca).")
    events = extract_events(Article(id="t", title="", text=text, published=None))
    assert [(e.event_type, e.fatalities) for e in events] == [("armed_clash", 4)]


def test_executed_twenty_villagers_is_twenty_dead_and_a_people_s_forces_no_place():
    from geo.events.extract import extract_events
    from geo.model import Article
    events = extract_events(Article(id="t", title="", published=None, text=(
        "On 28 August 2023, Malian soldiers executed 20 villagers in Moura (Djenne, Mopti).")))
    assert [(e.place, e.fatalities) for e in events] == [("Moura", 20)]
    events = extract_events(Article(id="t", title="", published=None, text=(
        "On 6 January 2022, Kazakh security forces opened fire on protesters in Almaty, "
        "killing dozens.")))
    assert [e.place for e in events] == ["Almaty"]


@pytest.mark.parametrize(("text", "expected"), [
    ("On 12 July 2022, Ethiopian federal forces regained control of Kobo town (North "
     "Wollo, Amhara) from TPLF forces.",
     [("armed_clash", "Government regains territory")]),  # federal forces are the state's
    ("On 8 January 2023, supporters of the former president stormed the Congress and the "
     "Supreme Court in Brasilia.", [("riot", "Violent demonstration")]),  # a crowd riots
    ("On 2 June 2023, unidentified gunmen ambushed a bus near Tamale, wounding six "
     "passengers.", [("violence_against_civilians", "Attack")]),  # they do not fight back
])
def test_who_acts_and_who_is_hit_decide_the_type(text, expected):
    from geo.events.extract import extract_events
    from geo.model import Article
    events = extract_events(Article(id="t", title="", text=text, published=None))
    assert [(e.event_type, e.acled_sub_event_type) for e in events] == expected


@pytest.mark.parametrize(("text", "actor"), [
    ("Israeli military forces demolished two houses in Hebron on Tuesday.",
     "Israeli military forces"),
    ("Colombian army troops clashed with FARC dissidents in Suarez on Monday.",
     "Colombian army troops"),
])
def test_an_actors_service_words_stay_in_its_name(text, actor):
    from geo.events.actors import actor_spans
    assert actor_spans(text)[0][2] == actor


def test_an_attack_on_a_military_post_is_a_battle_whoever_the_post_names():
    (event,) = events_of("On 14 June 2024, JNIM militants attacked a military post in Djibo.")
    assert (event.event_type, event.acled_sub_event_type) == ("armed_clash", "Armed clash")


def test_drugs_seized_are_no_ground_taken():
    assert events_of("On 10 January 2024, army troops seized 2 tonnes of cocaine in Tumaco, "
                   "Colombia.") == []


def test_what_someone_is_accused_of_is_no_incident():
    (event,) = events_of("A mob lynched two men suspected of kidnapping children in a village "
                         "near Puebla, Mexico.")
    assert (event.event_type, event.acled_sub_event_type) == ("riot", "Mob violence")


def test_the_place_of_health_officials_who_count_the_dead_is_no_second_event():
    events = events_of("An Israeli airstrike on a school in Deir al-Balah killed at least 15 "
                       "people, Gaza health officials said.")
    assert [e.place for e in events] == ["Deir al-Balah"]


@pytest.mark.parametrize(("text", "actors"), [
    ("On 30 March 2024, Fano militiamen and ENDF soldiers clashed in Lalibela, Ethiopia.",
     ("Fano militiamen", "ENDF soldiers")),
    ("On 2 May 2024, fighting broke out between the SAF and the RSF in Omdurman, Sudan.",
     ("SAF", "RSF")),
    ("On 11 April 2024, cartel gunmen clashed with rival gang members near Tapachula, "
     "Mexico.", ("cartel gunmen", "rival gang members")),
])
def test_the_two_sides_of_a_fight(text, actors):
    (event,) = events_of(text)
    assert (event.actor1, event.actor2) == actors


def test_bodies_found_dumped_are_a_killing_by_whoever_did_it():
    (event,) = events_of("Police discovered the bodies of six unidentified young men in "
                         "Baghdad's northern al-Husseiniya district on Friday.")
    assert (event.event_type, event.acled_sub_event_type) == ("violence_against_civilians",
                                                              "Attack")
    assert (event.country_code, event.actor1, event.fatalities) == ("IQ", None, 6)


@pytest.mark.parametrize("text", [
    "Rescuers recovered the bodies of 12 people from the rubble in Antakya on Tuesday.",
    "The body of a missing hiker was found near Aspen on Sunday.",
])
def test_bodies_of_a_disaster_or_an_accident_are_no_attack(text):
    assert [e.event_type for e in events_of(text)] in ([], ["earthquake"])


@pytest.mark.parametrize(("text", "places"), [
    ("The United Nations in Geneva condemned the attack on a hospital in Khartoum.",
     ["Khartoum"]),
    ("Refugees who fled fighting in Sudan arrived in Chad on Monday.", ["Sudan"]),
    ("A court in The Hague sentenced a former militia leader for massacres in Srebrenica.",
     ["Srebrenica"]),
    ("Survivors of the massacre in Sinjar told their stories at a conference in Erbil.",
     ["Sinjar"]),
])
def test_where_people_did_something_else_is_not_where_the_incident_was(text, places):
    assert [e.place for e in events_of(text)] == places


def test_casualties_in_a_report_on_a_quake_are_no_attack():
    text = ("A strong earthquake struck East Azerbaijan province on Saturday. The towns of "
            "Haris and Varzaqan were among those that suffered casualties, officials said.")
    assert {e.event_type for e in events_of(text)} <= {"earthquake"}


def test_arabic_names_of_armed_groups_are_actors_not_places():
    (event,) = events_of("On Monday, fighting broke out between Liwa al-Tawhid and the YPG "
                         "in Aleppo.")
    assert (event.place, event.actor1, event.actor2) == ("Aleppo", "Liwa al-Tawhid", "YPG")
